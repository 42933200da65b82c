#include "src/naming.h"

#include "src/names.h"

namespace dvol {

namespace fs = std::filesystem;

fs::path volumes_dir(const fs::path& root) { return root / "volumes"; }
fs::path current_volume_file(const fs::path& root) { return root / "current"; }
fs::path root_lock_file(const fs::path& root) { return root / "lock"; }

VolumePaths paths_in(const fs::path& dir) {
  return {dir, dir / "dvol.db", dir / "data.img", dir / "meta.img", dir / "lock", dir / "mnt", dir / "fs",
          dir / "remotes.db"};
}

VolumePaths volume_paths(const fs::path& root, const std::string& volume) {
  return paths_in(volumes_dir(root) / volume_dir_name(volume));
}

std::string dm_name_prefix(const std::string& uid) { return "dvol-" + uid + "-"; }
dm::DmName pool_dm_name(const std::string& uid) { return dm::DmName(dm_name_prefix(uid) + "pool"); }
std::string pool_dm_uuid(const std::string& uid) { return std::string(kUuidPrefix) + uid + "-pool"; }
dm::DmName thin_dm_name(const std::string& uid, uint32_t thin_id) {
  return dm::DmName(dm_name_prefix(uid) + std::to_string(thin_id));
}
std::string thin_dm_uuid(const std::string& uid, uint32_t thin_id) {
  return std::string(kUuidPrefix) + uid + "-" + std::to_string(thin_id);
}

}  // namespace dvol
