#pragma once
// Volume: one opened volume: its paths, its metadata store, its pool, and the kernel state
// that serves it (loop devices, pool, the checked-out branch's thin device and mount).
//
// Opening reads the store only. activate() brings the kernel state in line with the store
// after a reboot or a crash (it finishes or rolls back a half-done operation first); it is
// the only path by which dvol makes devices live, and it is idempotent.
//
// The destructor does nothing to the kernel. Not thread-safe: the holder of the volume's lock
// uses it.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dm/thin_pool.h"
#include "io/filesystem.h"
#include "io/state_lock.h"
#include "src/host.h"
#include "src/naming.h"
#include "src/store.h"

namespace dvol {

// The error for state under the root that cannot be read (as another user: PermissionDenied,
// with a hint to run dvol as root).
Error unreadable_state(const std::filesystem::path& path, const std::error_code& ec);

class Volume {
 public:
  // NotFound "volume X does not exist" when there is no such volume under the root.
  [[nodiscard]] static Volume open(Host& host, const std::string& name);
  // Opens the volume whose state is in `dir` (used while creating one).
  [[nodiscard]] static Volume open_dir(Host& host, const std::filesystem::path& dir);

  Volume(Volume&&) = default;

  const std::string& name() const { return name_; }
  const VolumePaths& paths() const { return paths_; }
  MetadataStore& store() { return *store_; }
  VolumeRecord record() { return store_->volume(); }
  dm::ThinPool& pool() { return pool_; }
  io::FsType fs() const { return fs_; }
  Host& host() { return host_; }

  // Takes the volume's lock for a mutating command: waits a few seconds for another dvol,
  // then throws Unavailable naming the volume. Unavailable too if, while it waited, the
  // volume was removed or replaced by a new one of the same name.
  [[nodiscard]] io::StateLock lock();
  // The lock if no other command holds it now (readers that can fall back to stored figures);
  // nothing if the volume was removed or replaced since it was opened.
  [[nodiscard]] std::optional<io::StateLock> try_lock();

  // Brings everything up: loop devices and pool, recovery of a half-done operation, the
  // checked-out branch's thin device, mounted at paths().mount. Idempotent.
  void activate();
  // Just the pool (and recovery).
  void activate_pool();
  // What recovery repaired while activating (dvol fsck reports it).
  const std::vector<std::string>& recovered() const { return recovered_; }
  bool pool_active() { return pool_.active(); }

  // Makes thin device `thin_id` live; returns its device node.
  std::string activate_thin(uint32_t thin_id, bool read_only = false);
  // Removes the live device of `thin_id` if there is one (busy: throws Unavailable).
  void deactivate_thin(uint32_t thin_id);
  // Mounts branch `thin_id` at paths().mount (activating it). Something else mounted there
  // is unmounted first. Already mounted: nothing.
  void mount_branch(uint32_t thin_id);
  // Unmounts paths().mount and removes the branch's device. Busy: throws Unavailable.
  void unmount_branch(uint32_t thin_id);
  // Unmounts paths().mount if thin device `thin_id` is what is mounted there.
  void unmount_if_serving(uint32_t thin_id);
  // Mounts the checked-out branch `thin_id` again, which replays its filesystem's journal (after
  // a write error stopped it). Busy (a container uses it): throws Unavailable, nothing changed.
  void remount_branch(uint32_t thin_id);
  // Sends one pool message; a thin id that no longer exists is fine when `missing_ok`.
  void delete_thin(uint32_t thin_id, bool missing_ok);

  // Space the volume really takes (pool data blocks in use × block size); from the pool when
  // it is live, else from the superblock of its metadata file (what the pool committed last;
  // read only), else the figure recorded at the last change.
  uint64_t used_bytes();
  // Records used_bytes() in the store (for list when the pool is not live).
  void record_usage();

 private:
  Volume(Host& host, std::string name, VolumePaths paths, std::unique_ptr<MetadataStore> store);
  dm::ThinPoolTable pool_table(const std::string& meta_dev, const std::string& data_dev);
  // True if the volume's directory still holds the store this Volume opened (same uid).
  bool still_here();

  Host& host_;
  std::string name_;
  VolumePaths paths_;
  std::unique_ptr<MetadataStore> store_;
  std::string uid_;
  io::FsType fs_;
  dm::ThinPool pool_;
  std::vector<std::string> recovered_;
  bool leftovers_checked_ = false;  // take_down_leftovers() ran (once per command)
};

// The initial sizes of a new volume's pool files, for a filesystem of `fs_size` (see
// space_policy.h: the data file is sparse and grows on demand; the metadata file is fully
// allocated when the volume is made).
uint64_t pool_data_bytes_for(uint64_t fs_size);
uint64_t pool_meta_bytes_for(uint64_t fs_size);

}  // namespace dvol
