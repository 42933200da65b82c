// Operations on whole volumes: init, list, switch, rm, path.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "io/error.h"
#include "io/file_space.h"
#include "io/files.h"
#include "io/mounter.h"
#include "io/state_lock.h"
#include "src/commit_id.h"
#include "src/names.h"
#include "src/naming.h"
#include "src/operations.h"
#include "src/pool_transaction.h"
#include "src/printable.h"
#include "src/size_format.h"
#include "src/teardown.h"
#include "src/volume.h"

namespace dvol {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kBlockSectors = 128;  // 64 KiB pool blocks: the kernel's advice for many snapshots
// What users and containers get of a branch's filesystem: a directory of its own, empty in a
// new volume (the root holds lost+found, and database images refuse to initialise there).
constexpr const char* kDataDir = "data";

io::StateLock lock_root(Host& host) {
  fs::create_directories(volumes_dir(host.root));
  ::chmod(host.root.c_str(), 0700);  // volumes hold people's data: root only
  return io::StateLock::acquire(root_lock_file(host.root), std::chrono::seconds(10),
                                "another dvol command is creating or removing a volume; try again");
}

std::optional<std::string> current_volume(Host& host) {
  std::optional<std::string> text;
  try {
    text = io::read_small_file(current_volume_file(host.root));
  } catch (const Error& e) {
    if (e.code() != Code::PermissionDenied) throw;
    throw Error(e).with_hint("dvol's state is readable by root only: run dvol with sudo");
  }
  if (!text) return std::nullopt;
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  if (text->empty()) return std::nullopt;
  return text;
}

void set_current(Host& host, const std::string& volume) {
  io::write_file_atomically(current_volume_file(host.root), volume + "\n");
}

void validate_size(uint64_t size, io::FsType fs) {
  uint64_t min = fs == io::FsType::Xfs ? (512ull << 20) : (64ull << 20);
  if (size < min)
    throw Error(Code::InvalidArgument, "--size " + format_size(size) + " is too small for " + io::fs_name(fs))
        .with_hint("the smallest " + io::fs_name(fs) + " volume is " + format_size(min));
  if (size > (64ull << 40))
    throw Error(Code::InvalidArgument, "--size " + format_size(size) + " is too large").with_hint("at most 64T");
  if (size % (kBlockSectors * 512) != 0)
    throw Error(Code::InvalidArgument, "--size must be a multiple of 64K");
}

}  // namespace

std::string resolve_volume(Host& host, const std::optional<std::string>& given) {
  if (given && !given->empty()) {
    validate_volume_name(*given);
    return *given;
  }
  auto current = current_volume(host);
  if (!current)
    throw Error(Code::FailedPrecondition, "no current volume")
        .with_hint("give the volume as the last argument, or make one current with 'dvol switch VOLUME'");
  // The file may have been edited by hand or name a volume removed behind dvol's back: say
  // that the current volume is the problem (the user named none) and how to pick another.
  const std::string fix = "give the volume as the last argument, or make one current with 'dvol switch VOLUME'";
  try {
    validate_volume_name(*current);
  } catch (const Error&) {
    throw Error(Code::FailedPrecondition, "the current volume '" + printable(current->substr(0, 200)) + "' (in " +
                                              current_volume_file(host.root).string() + ") is not a valid volume name")
        .with_hint(fix);
  }
  if (!fs::exists(volume_paths(host.root, *current).dir))
    throw Error(Code::NotFound, "the current volume " + *current + " does not exist").with_hint(fix);
  return *current;
}

bool names_existing_volume(Host& host, const std::string& text) {
  try {
    return volume_exists(host, text);
  } catch (const Error&) {
    return false;  // not a valid volume name
  }
}

void switch_volume(Host& host, const std::string& volume) {
  validate_volume_name(volume);
  require_root("switch");  // before reading state: as another user the state is unreadable
  (void)Volume::open(host, volume);  // NotFound if it does not exist
  set_current(host, volume);
}

void init_volume(Host& host, const InitRequest& request) {
  validate_volume_name(request.volume);
  validate_branch_name(request.branch);
  auto fs_type = io::parse_fs(request.fs);
  if (!fs_type)
    throw Error(Code::InvalidArgument, "'" + request.fs + "' is not a supported filesystem").with_hint("use ext4 or xfs");
  validate_size(request.size_bytes, *fs_type);
  require_root("init");
  auto root_lock = lock_root(host);
  sweep_abandoned_volumes(host);
  auto final_paths = volume_paths(host.root, request.volume);
  if (fs::exists(final_paths.dir)) throw Error(Code::AlreadyExists, "volume " + request.volume + " already exists");

  // Built under a temporary name; the rename at the end is the commit point. A crash before
  // it leaves a ".new-<uid>" directory that the next init or rm sweeps away.
  std::string uid = new_volume_uid();
  auto dir = volumes_dir(host.root) / (".new-" + uid);
  if (host.dm.info(pool_dm_name(uid))) throw Error(Code::AlreadyExists, "device " + pool_dm_name(uid).str() + " exists");
  struct Cleanup {
    Host& host;
    std::string uid;
    fs::path dir;
    bool armed = true;
    ~Cleanup() {
      if (!armed) return;
      try {
        teardown_volume_devices(host, uid, dir);
        fs::remove_all(dir);
      } catch (...) {  // ignored: the next init or rm sweeps what is left
      }
    }
  } cleanup{host, uid, dir};

  fs::create_directories(dir);
  auto paths = paths_in(dir);
  VolumeRecord record;
  record.name = request.volume;
  record.uid = uid;
  record.fs = io::fs_name(*fs_type);
  record.size_bytes = request.size_bytes;
  record.block_sectors = kBlockSectors;
  record.data_bytes = pool_data_bytes_for(request.size_bytes);
  record.meta_bytes = pool_meta_bytes_for(request.size_bytes);
  record.checked_out = request.branch;
  record.data_dir = kDataDir;
  record.created = static_cast<int64_t>(::time(nullptr));
  io::create_sparse_file(paths.data, record.data_bytes);
  io::create_sparse_file(paths.meta, record.meta_bytes);
  // Every metadata block reserved on the host now: a metadata write that met a full host
  // filesystem would turn the pool read-only (space_policy.h).
  io::preallocate_file(paths.meta);
  (void)MetadataStore::create(paths.db, record);

  {
    auto volume = Volume::open_dir(host, dir);
    volume.activate_pool();
    PoolTransaction tx(volume, "init", 1, {});
    tx.begin();
    uint32_t id = tx.created()[0];
    volume.pool().send(dm::CreateThin{dm::ThinId(id)});
    host.mounts.make_filesystem(*fs_type, volume.activate_thin(id), kDataDir);
    volume.deactivate_thin(id);
    tx.commit([&](MetadataStore& s) { s.add_branch(BranchRecord{request.branch, id, std::nullopt}); });
  }
  fs::rename(dir, final_paths.dir);
  cleanup.armed = false;
  if (request.make_current || !fs::exists(current_volume_file(host.root))) set_current(host, request.volume);
  auto volume = Volume::open(host, request.volume);
  // Visible from the rename on: another command (a plugin Mount of the new name) may be
  // bringing it up too.
  auto lock = volume.lock();
  volume.activate();
  volume.record_usage();
}

VolumeSummary describe_volume(Host& host, const std::string& name) {
  auto volume = Volume::open(host, name);
  // What bringing the volume up would find missing, found by looking only.
  for (const auto& file : {volume.paths().data, volume.paths().meta}) {
    std::error_code ec;
    if (!fs::exists(file, ec) && !ec)
      throw Error(Code::NotFound, "volume " + name + " has lost its pool file " + file.string())
          .with_hint("put the file back: dvol never makes it again empty, and has not touched the volume's other files");
  }
  auto record = volume.record();
  VolumeSummary s;
  s.name = record.name;
  s.branches = volume.store().branches().size();
  s.branch = record.checked_out;
  s.current = current_volume(host) == record.name;
  s.mountpoint = volume.paths().mount.string();
  s.fs = record.fs;
  s.fs_size_bytes = record.size_bytes;
  if (auto b = volume.store().branch(record.checked_out); b && b->head) s.head = volume.store().commit(*b->head);
  // A query changes nothing in the kernel (list, and the plugin's Get and List, run this): root
  // reads a live pool's figure, or an inactive one's (after a reboot) from its metadata file;
  // other users get the figure recorded at the last change. Never waits for the lock: the
  // plugin's Get runs while a checkout holds it and stops the volume's containers.
  s.size_bytes = record.used_bytes;
  if (::geteuid() == 0) s.size_bytes = volume.used_bytes();
  return s;
}

bool volume_exists(Host& host, const std::string& name) {
  validate_volume_name(name);
  return fs::exists(volume_paths(host.root, name).db);
}

std::map<std::string, size_t> volume_holders(Host& host) {
  std::map<std::string, size_t> out;
  auto elsewhere = host.mounts.other_namespace_mounts();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(volumes_dir(host.root), ec)) {
    auto name = volume_name_from_dir(entry.path().filename().string());
    if (!name) continue;
    auto dev = host.mounts.mounted_device(paths_in(entry.path()).mount);
    if (auto it = elsewhere.find(dev); !dev.empty() && it != elsewhere.end()) out[*name] = it->second;
  }
  return out;
}

std::vector<VolumeSummary> list_volumes(Host& host, std::vector<Error>* unreadable) {
  std::vector<VolumeSummary> out;
  std::error_code ec;
  fs::directory_iterator volumes(volumes_dir(host.root), ec);
  // No volumes directory yet is an empty list; an unreadable one is not (it would hide volumes).
  if (ec && ec != std::errc::no_such_file_or_directory) throw unreadable_state(volumes_dir(host.root), ec);
  for (const auto& entry : volumes) {
    auto name = volume_name_from_dir(entry.path().filename().string());
    // A volume's directory without its database is reported (describe_volume says what is
    // missing), not skipped: it holds data the user may want back.
    if (!name || !entry.is_directory()) continue;
    try {
      out.push_back(describe_volume(host, *name));
    } catch (const Error& e) {
      // Removed between listing and describing (`dvol rm` renames the directory away under
      // the volume's lock, which a reader does not wait for): it is simply not there any more.
      if (!fs::exists(entry.path(), ec)) continue;
      // Not PermissionDenied: as another user every volume is unreadable, and that is the answer.
      if (e.code() == Code::PermissionDenied || !unreadable) throw;
      unreadable->push_back(e);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (host.containers && !out.empty()) {
    auto running = host.containers->running();  // one question to the engine for all volumes
    std::sort(running.begin(), running.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (auto& v : out)
      for (const auto& c : running)
        if (std::find(c.volumes.begin(), c.volumes.end(), v.name) != c.volumes.end()) v.containers.push_back(c.name);
  }
  return out;
}

ActivationResult activate_all_volumes(Host& host) {
  require_root("activate");
  ActivationResult result;
  {
    auto root_lock = lock_root(host);
    sweep_abandoned_volumes(host);  // half-made and half-removed volumes a crash left
  }
  std::error_code ec;
  fs::directory_iterator volumes(volumes_dir(host.root), ec);
  if (ec && ec != std::errc::no_such_file_or_directory) throw unreadable_state(volumes_dir(host.root), ec);
  std::vector<std::string> names;
  for (const auto& entry : volumes)
    if (auto name = volume_name_from_dir(entry.path().filename().string()); name && entry.is_directory())
      names.push_back(*name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    try {
      (void)volume_path(host, name);
      result.activated.push_back(name);
    } catch (const Error& e) {
      // Removed since it was listed (`dvol rm` ran meanwhile): nothing to bring up.
      if (e.code() == Code::NotFound && !fs::exists(volume_paths(host.root, name).dir, ec)) continue;
      result.failed.emplace_back(name, e);
    }
  }
  return result;
}

void remove_volume(Host& host, const std::string& name) {
  require_root("rm");
  auto volume = Volume::open(host, name);
  auto root_lock = lock_root(host);
  auto lock = volume.lock();
  auto users = containers_using(host.containers, volume.name());
  if (!users.empty())
    throw Error(Code::FailedPrecondition, "container " + users[0].name + " is using " + volume.name() +
                                              ", please stop it before removing the volume.");
  auto uid = volume.record().uid;
  // Devices first: if a mount is busy this fails with nothing lost, the volume still whole,
  // and served again as before (should that fail too, the next command serves it).
  try {
    teardown_volume_devices(host, uid, volume.paths().dir);
  } catch (...) {
    try {
      volume.activate();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dvol: warning: could not serve volume %s again: %s\n", volume.name().c_str(), e.what());
    }
    throw;
  }
  auto trash = volumes_dir(host.root) / (".trash-" + uid);
  fs::rename(volume.paths().dir, trash);  // the commit point: the volume is gone
  fs::remove_all(trash);
  if (current_volume(host) == name) fs::remove(current_volume_file(host.root));
}

std::string volume_path(Host& host, const std::string& name) {
  auto volume = Volume::open(host, name);
  if (::geteuid() == 0) {
    auto lock = volume.lock();
    volume.activate();
  }
  return volume.paths().mount.string();
}

}  // namespace dvol
