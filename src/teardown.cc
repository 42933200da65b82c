#include "src/teardown.h"

#include "io/error.h"
#include "io/mounter.h"
#include "src/naming.h"
#include "src/store.h"

namespace dvol {

namespace fs = std::filesystem;

std::vector<dm::DmName> volume_devices(dm::Control& dm, const std::string& uid) {
  const std::string prefix = dm_name_prefix(uid);
  const std::string pool = pool_dm_name(uid).str();
  std::vector<dm::DmName> thins;
  bool pool_live = false;
  for (auto& name : dm.list()) {
    if (name == pool) pool_live = true;
    else if (name.rfind(prefix, 0) == 0) thins.emplace_back(name);
  }
  // Thin devices hold the pool open: they go first.
  if (pool_live) thins.push_back(pool_dm_name(uid));
  return thins;
}

void remove_device(dm::Control& dm, const dm::DmName& name) {
  if (auto info = dm.info(name); info && info->suspended) dm.resume(name);
  dm.remove(name);
}

void teardown_volume_devices(Host& host, const std::string& uid, const fs::path& dir) {
  auto mounts = host.mounts.mounts_under(dir);
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) host.mounts.unmount(*it);
  for (const auto& name : volume_devices(host.dm, uid)) remove_device(host.dm, name);
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
