#pragma once
// Every kernel-visible name and every path of dvol's state is built here, and nowhere else.
// This is where the domain's words (volume, branch, commit) meet the kernel's (pool, thin id).
//
// Layout under the state root:
//   <root>/current                  the current volume's name
//   <root>/lock                     serialises init and rm (creating and removing volumes)
//   <root>/volumes/<flat>/          one volume (flat: '/' in the name becomes '+')
//       dvol.db  data.img  meta.img  lock  mnt/   (mnt/: the checked-out branch's mount point)
//
// Device-mapper names carry the volume's random uid, never its name, so they cannot collide
// between volumes, state roots or other users of device-mapper, and stay short:
//   pool:        dvol-<uid>-pool        uuid DVOL-<uid>-pool
//   thin device: dvol-<uid>-<thin id>   uuid DVOL-<uid>-<thin id>
// A device whose uuid starts with "DVOL-" is dvol's; startup recovery recognises them by that.
#include <cstdint>
#include <filesystem>
#include <string>

#include "dm/units.h"

namespace dvol {

inline constexpr const char* kUuidPrefix = "DVOL-";

struct VolumePaths {
  std::filesystem::path dir;
  std::filesystem::path db;
  std::filesystem::path data;
  std::filesystem::path meta;
  std::filesystem::path lock;
  std::filesystem::path mount;
  // Where a branch's whole filesystem is mounted for an instant, to mount its data directory
  // at `mount` (see io::mount_filesystem_dir).
  std::filesystem::path staging;
  // The volume's remotes and what dvol knows each holds (src/remote/remote_state.h).
  std::filesystem::path remotes;
};

std::filesystem::path volumes_dir(const std::filesystem::path& root);
std::filesystem::path current_volume_file(const std::filesystem::path& root);
std::filesystem::path root_lock_file(const std::filesystem::path& root);
VolumePaths volume_paths(const std::filesystem::path& root, const std::string& volume);
// Paths inside an arbitrary directory (a volume being created under a temporary name).
VolumePaths paths_in(const std::filesystem::path& dir);

dm::DmName pool_dm_name(const std::string& uid);
std::string pool_dm_uuid(const std::string& uid);
dm::DmName thin_dm_name(const std::string& uid, uint32_t thin_id);
std::string thin_dm_uuid(const std::string& uid, uint32_t thin_id);
// The prefix of every dm name belonging to volume `uid` ("dvol-<uid>-").
std::string dm_name_prefix(const std::string& uid);

}  // namespace dvol
