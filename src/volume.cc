#include "src/volume.h"

#include <unistd.h>

#include <array>
#include <chrono>

#include "dm/metadata_device.h"
#include "dm/thin_metadata.h"
#include "io/error.h"
#include "io/mounter.h"
#include "src/names.h"
#include "src/pool_space.h"
#include "src/recovery.h"
#include "src/space_policy.h"
#include "src/teardown.h"

namespace dvol {

namespace fs = std::filesystem;

Error unreadable_state(const fs::path& path, const std::error_code& ec) {
  auto e = sys_error("read", path.string(), ec.value());
  if (e.code() != Code::PermissionDenied) return e;
  return std::move(e).with_hint("dvol's state is readable by root only: run dvol with sudo");
}

void require_root(const char* command) {
  if (::geteuid() != 0)
    throw Error(Code::PermissionDenied, std::string("dvol ") + command + " needs root: run it with sudo");
}

// Both sizes follow the policy in space_policy.h: the data file grows on demand from here.
uint64_t pool_data_bytes_for(uint64_t fs_size) { return initial_data_bytes(fs_size); }

uint64_t pool_meta_bytes_for(uint64_t fs_size) { return metadata_bytes_for(fs_size); }

Volume::Volume(Host& host, std::string name, VolumePaths paths, std::unique_ptr<MetadataStore> store)
    : host_(host),
      name_(std::move(name)),
      paths_(std::move(paths)),
      store_(std::move(store)),
      uid_(store_->volume().uid),
      fs_(io::parse_fs(store_->volume().fs).value_or(io::FsType::Ext4)),
      pool_(host.dm, pool_dm_name(uid_), pool_dm_uuid(uid_)) {}

Volume Volume::open(Host& host, const std::string& name) {
  validate_volume_name(name);
  auto paths = volume_paths(host.root, name);
  std::error_code ec;
  bool exists = fs::exists(paths.db, ec);
  if (ec) throw unreadable_state(paths.db, ec);
  if (!exists) {
    // A directory without its database was edited by hand (init and rm never leave one).
    if (fs::is_directory(paths.dir, ec))
      throw Error(Code::Corruption, "volume " + name + " has lost its metadata database " + paths.db.string())
          .with_hint("put dvol.db back (its data files are untouched), or remove " + paths.dir.string() +
                     " by hand to delete the volume");
    throw Error(Code::NotFound, "volume " + name + " does not exist");
  }
  auto store = std::make_unique<MetadataStore>(MetadataStore::open(paths.db));
  auto record_name = store->volume().name;
  return Volume(host, record_name, paths, std::move(store));
}

Volume Volume::open_dir(Host& host, const fs::path& dir) {
  auto paths = paths_in(dir);
  auto store = std::make_unique<MetadataStore>(MetadataStore::open(paths.db));
  auto record_name = store->volume().name;
  return Volume(host, record_name, paths, std::move(store));
}

io::StateLock Volume::lock() {
  std::optional<io::StateLock> lock;
  try {
    lock = io::StateLock::acquire(paths_.lock, std::chrono::seconds(10),
                                  "volume " + name_ + " is busy: another dvol command is working on it; try again");
  } catch (const Error& e) {
    if (e.code() != Code::NotFound) throw;
    // The directory went away since the volume was opened: `rm` removed it.
    throw Error(Code::NotFound, "volume " + name_ + " does not exist", e.detail());
  }
  if (!still_here())
    throw Error(Code::Unavailable, "volume " + name_ + " was removed or replaced while this command waited for it",
                "uid " + uid_)
        .with_hint("run the command again");
  store_->forget_reads();  // what others wrote before the lock was ours
  return std::move(*lock);
}

std::optional<io::StateLock> Volume::try_lock() {
  auto lock = io::StateLock::try_acquire(paths_.lock);
  if (lock && !still_here()) return std::nullopt;
  if (lock) store_->forget_reads();
  return lock;
}

bool Volume::still_here() {
  // The store was opened before the lock was taken: meanwhile `rm` may have removed the
  // volume and `init` made a new one of the same name, in a new dvol.db. Acting on the old
  // store would bring up the old pool over the new volume's files.
  return store_->is_file_at(paths_.db);
}

dm::ThinPoolTable Volume::pool_table(const std::string& meta_dev, const std::string& data_dev) {
  auto r = store_->volume();
  dm::ThinPoolTable t;
  t.length = dm::Sectors::from_bytes(r.data_bytes);
  t.metadata_dev = meta_dev;
  t.data_dev = data_dev;
  t.block_size = dm::Sectors{r.block_sectors};
  t.low_water_mark = 0;
  // Fail writes at once when the pool is full instead of queueing them for a minute and
  // damaging the filesystems on it.
  t.error_if_no_space = true;
  return t;
}

void Volume::activate_pool() {
  auto bring_up = [&] {
    if (auto info = host_.dm.info(pool_.name())) {
      if (info->uuid != pool_dm_uuid(uid_))
        throw Error(Code::FailedPrecondition,
                    "device " + pool_.name().str() + " exists but does not belong to volume " + name_,
                    "uuid " + info->uuid);
      if (info->suspended) host_.dm.resume(pool_.name());
    } else {
      // The loop guards close at the end of this block: the pool then holds the devices, and
      // autoclear detaches them when the pool goes (or right away if creating it failed).
      auto meta = host_.mounts.attach_loop(paths_.meta);
      auto data = host_.mounts.attach_loop(paths_.data);
      pool_.activate(pool_table(meta->major_minor(), data->major_minor()));
    }
  };
  bring_up();
  auto status = pool_.status();
  if (pool_needs_check(status)) {
    // A metadata write failed (a full host filesystem, for one) and the pool stopped taking
    // writes: check its metadata and bring it back, before recovery needs to send messages.
    take_down_and_check(*this, status);
    bring_up();
    status = pool_.status();
    if (status.mode == dm::PoolMode::ReadOnly && !status.needs_check)
      throw Error(Code::Corruption, "the pool of volume " + name_ + " stays read-only after a clean metadata check",
                  "pool " + pool_.name().str());
  }
  if (status.failed || status.needs_check)
    throw Error(Code::Corruption, "the pool of volume " + name_ + " has failed and needs checking",
                "pool " + pool_.name().str() + (status.needs_check ? ": needs_check" : ": Fail"));
  if (!leftovers_checked_) {
    // First thing under the lock, once: what a killed dvol left live (see recovery.h).
    leftovers_checked_ = true;
    auto taken = take_down_leftovers(*this);
    recovered_.insert(recovered_.end(), taken.begin(), taken.end());
  }
  auto repaired = recover(*this, status);
  recovered_.insert(recovered_.end(), repaired.begin(), repaired.end());
  // After recovery, which may have freed thin devices: grow only for what is really in use.
  (void)ensure_pool_room(*this, pool_.status());
}

void Volume::activate() {
  activate_pool();
  auto branch = store_->branch(store_->volume().checked_out);
  if (!branch) throw Error(Code::Corruption, "volume " + name_ + " has no checked-out branch");
  mount_branch(branch->thin_id);
}

std::string Volume::activate_thin(uint32_t thin_id, bool read_only) {
  auto name = thin_dm_name(uid_, thin_id);
  pool_.activate_thin(name, thin_dm_uuid(uid_, thin_id), dm::ThinId(thin_id),
                      dm::Sectors::from_bytes(store_->volume().size_bytes), read_only);
  return host_.dm.device_path(name);
}

void Volume::deactivate_thin(uint32_t thin_id) { host_.dm.remove(thin_dm_name(uid_, thin_id)); }

void Volume::mount_branch(uint32_t thin_id) {
  auto dev = activate_thin(thin_id);
  auto info = host_.dm.info(thin_dm_name(uid_, thin_id));
  auto mounted = host_.mounts.mounted_device(paths_.mount);
  if (info && mounted == info->major_minor()) {
    if (!host_.mounts.mount_stopped_writing(paths_.mount)) return;
    // A write error (a full host disk under the pool) made the filesystem stop writing:
    // mount it again, so the branch takes writes once space is back.
    remount_branch(thin_id);
    return;
  }
  if (!mounted.empty()) {
    // Another branch of ours is mounted (a crash between unmounting and switching): take it
    // down so that exactly the checked-out branch is served.
    host_.mounts.unmount(paths_.mount);
    for (const auto& name : volume_devices(host_.dm, uid_)) {
      if (name == pool_.name()) continue;
      auto other = host_.dm.info(name);
      if (other && other->major_minor() == mounted) remove_device(host_.dm, name);
    }
  }
  fs::create_directories(paths_.mount);
  host_.mounts.mount_filesystem_dir(dev, store_->volume().data_dir, paths_.mount, paths_.staging,
                           io::branch_mount_options(fs_));
}

void Volume::remount_branch(uint32_t thin_id) {
  auto dev = activate_thin(thin_id);
  host_.mounts.unmount(paths_.mount);
  // A crash here leaves the branch unmounted; the next command's activate() mounts it.
  host_.mounts.mount_filesystem_dir(dev, store_->volume().data_dir, paths_.mount, paths_.staging,
                           io::branch_mount_options(fs_));
}

void Volume::unmount_branch(uint32_t thin_id) {
  host_.mounts.unmount(paths_.mount);
  deactivate_thin(thin_id);
}

void Volume::unmount_if_serving(uint32_t thin_id) {
  auto info = host_.dm.info(thin_dm_name(uid_, thin_id));
  if (info && host_.mounts.mounted_device(paths_.mount) == info->major_minor()) host_.mounts.unmount(paths_.mount);
}

void Volume::delete_thin(uint32_t thin_id, bool missing_ok) {
  try {
    pool_.send(dm::DeleteThin{dm::ThinId(thin_id)});
  } catch (const Error& e) {
    if (!(missing_ok && e.code() == Code::NotFound)) throw;
  }
}

uint64_t Volume::used_bytes() {
  auto r = store_->volume();
  if (!pool_.active()) {
    try {
      auto meta = dm::MetadataDevice::open(paths_.meta.string());
      std::array<std::byte, dm::kMetadataBlockSize> block{};
      meta.read_block(0, block);
      return dm::Superblock::parse(block, 0).data_blocks_allocated * r.block_sectors * dm::kSectorSize;
    } catch (const Error&) {
      return r.used_bytes;  // unreadable: the figure of the last change will do for a listing
    }
  }
  auto s = pool_.status();
  return s.used_data_blocks.value * r.block_sectors * dm::kSectorSize;
}

void Volume::record_usage() { store_->set_used_bytes(used_bytes()); }

}  // namespace dvol
