#include "src/teardown.h"

#include <algorithm>

#include "io/error.h"
#include "io/mount.h"
#include "src/naming.h"
#include "src/store.h"

namespace dvol {

namespace fs = std::filesystem;

void teardown_volume_devices(Host& host, const std::string& uid, const fs::path& dir) {
  auto mounts = io::mounts_under(dir);
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) io::unmount(*it);
  std::string prefix = dm_name_prefix(uid);
  std::string pool = pool_dm_name(uid).str();
  std::vector<std::string> ours;
  for (auto& name : host.dm.list())
    if (name.rfind(prefix, 0) == 0) ours.push_back(name);
  // Thin devices hold the pool open: remove them first.
  std::stable_partition(ours.begin(), ours.end(), [&](const std::string& n) { return n != pool; });
  for (auto& name : ours) {
    dm::DmName dm_name(name);
    if (auto info = host.dm.info(dm_name); info && info->suspended) host.dm.resume(dm_name);
    host.dm.remove(dm_name);
  }
}

void sweep_abandoned_volumes(Host& host) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(volumes_dir(host.root), ec)) {
    auto name = entry.path().filename().string();
    bool is_new = name.rfind(".new-", 0) == 0, is_trash = name.rfind(".trash-", 0) == 0;
    if (!is_new && !is_trash) continue;
    std::string uid = name.substr(is_new ? 5 : 7);
    teardown_volume_devices(host, uid, entry.path());
    fs::remove_all(entry.path());
  }
}

}  // namespace dvol
