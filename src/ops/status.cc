// dvol status and dvol config.
#include <unistd.h>

#include "io/error.h"
#include "src/diff.h"
#include "src/operations.h"
#include "src/pool_space.h"
#include "src/user_config.h"
#include "src/volume.h"

namespace dvol {

StatusInfo status(Host& host, const std::string& name) {
  auto volume = Volume::open(host, name);
  auto record = volume.record();
  StatusInfo s;
  s.volume = record.name;
  s.branch = record.checked_out;
  if (auto b = volume.store().branch(record.checked_out); b && b->head) s.head = volume.store().commit(*b->head);
  s.mountpoint = volume.paths().mount.string();
  s.fs = record.fs;
  s.fs_size_bytes = record.size_bytes;
  s.data_used_bytes = record.used_bytes;
  s.data_total_bytes = record.data_bytes;
  s.meta_total_bytes = record.meta_bytes;
  if (::geteuid() == 0) {
    auto lock = volume.lock();
    volume.activate();
    auto ps = volume.pool().status();
    s.pool_active = true;
    uint64_t block = uint64_t{record.block_sectors} * 512;
    s.data_used_bytes = ps.used_data_blocks.value * block;
    s.data_total_bytes = ps.total_data_blocks.value * block;
    s.meta_used_bytes = ps.used_metadata_blocks * 4096;
    s.meta_total_bytes = ps.total_metadata_blocks * 4096;
    if (short_of_space(volume)) {
      // Out of space the check cannot work (it snapshots the live data, and the filesystem
      // cannot flush to freeze): the status says what it knows, and the answer stays unknown.
    } else {
      s.uncommitted = has_uncommitted_changes(volume);
    }
  }
  for (auto& c : containers_using(host.containers, s.volume)) s.containers.push_back(std::move(c.name));
  return s;
}

std::optional<std::string> config_get(Host& host, const std::string& key) {
  return UserConfig::load(host.root).get(key);
}

void config_set(Host& host, const std::string& key, const std::string& value) {
  UserConfig::validate_key(key);  // unknown keys are refused before anything else
  require_root("config");          // before reading: as another user the root is unreadable
  std::filesystem::create_directories(host.root);
  auto config = UserConfig::load(host.root);
  config.set(key, value);
}

std::vector<std::pair<std::string, std::string>> config_list(Host& host) {
  return UserConfig::load(host.root).list();
}

}  // namespace dvol
