// dvol fsck: checks a volume's pool against its metadata and repairs what is safe to repair.
#include <algorithm>
#include <map>
#include <set>

#include "dm/metadata_device.h"
#include "dm/thin_metadata.h"
#include "io/error.h"
#include "io/filesystem.h"
#include "io/mount.h"
#include "src/names.h"
#include "src/naming.h"
#include "src/operations.h"
#include "src/read_only_thin.h"
#include "src/ref.h"
#include "src/teardown.h"
#include "src/volume.h"

namespace dvol {

namespace fs = std::filesystem;

namespace {

std::string describe(const Error& e) { return e.hint().empty() ? e.message() : e.message() + " (" + e.hint() + ")"; }

// Every thin id the pool holds, read from a held copy of its metadata.
std::set<uint32_t> thin_ids_in_pool(Volume& volume) {
  auto table = volume.pool().table();
  auto held = dm::HeldMetadataSnapshot::reserve(volume.pool());
  auto device = dm::MetadataDevice::open_major_minor(table.metadata_dev);
  dm::ThinMetadata metadata(device, held.root());
  std::set<uint32_t> out;
  for (auto id : metadata.thin_ids()) out.insert(id.value());
  return out;
}

// Mounts thin device `id` read-only (without replaying its journal) and unmounts it again.
void check_mounts(Volume& volume, uint32_t id) {
  ReadOnlyThin thin(volume, id);
  auto at = volume.paths().dir / "views" / "fsck";
  fs::create_directories(at);
  auto mount = io::Mount::mount(thin.path(), at, io::snapshot_view_options(volume.fs()));
  mount.unmount();
}

}  // namespace

FsckReport fsck_volume(Host& host, const std::string& name) {
  require_root("fsck");
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  FsckReport r;
  r.volume = volume.name();
  try {
    volume.activate_pool();  // finishes or rolls back an interrupted operation
  } catch (const Error& e) {
    r.problems.push_back(describe(e));
    return r;
  }
  r.repaired = volume.recovered();
  auto& store = volume.store();
  auto record = store.volume();
  r.transaction_id = record.transaction_id;

  std::map<uint32_t, std::string> owners;  // thin id -> what the user knows it as
  for (const auto& b : store.branches()) owners[b.thin_id] = "branch " + b.name;
  for (const auto& c : store.commits()) owners[c.thin_id] = "commit " + short_id(c.id);
  r.branches = store.branches().size();
  r.commits = store.commits().size();

  auto in_pool = thin_ids_in_pool(volume);
  r.thin_devices = in_pool.size();
  for (uint32_t id : in_pool) {
    if (owners.count(id)) continue;
    // Recovery deletes what an interrupted operation made; anything else is a leak.
    volume.deactivate_thin(id);
    volume.delete_thin(id, /*missing_ok=*/true);
    r.repaired.push_back(id == kDiffSnapshotThinId
                             ? "deleted the snapshot of the live data that an interrupted diff left"
                             : "deleted thin device " + std::to_string(id) + ", which no branch or commit used");
  }
  for (const auto& [id, owner] : owners)
    if (!in_pool.count(id))
      r.problems.push_back("the data of " + owner + " is missing from the pool (thin device " + std::to_string(id) + ")");

  // Every state must mount: the checked-out branch where users find it, the others read-only.
  bool was_mounted = io::is_mountpoint(volume.paths().mount);
  try {
    volume.activate();
    if (!was_mounted) r.repaired.push_back("mounted branch " + record.checked_out + " at " + volume.paths().mount.string());
  } catch (const Error& e) {
    r.problems.push_back("branch " + record.checked_out + " does not mount: " + describe(e));
  }
  auto checked_out = store.branch(record.checked_out);
  for (const auto& [id, owner] : owners) {
    if (!in_pool.count(id) || (checked_out && checked_out->thin_id == id)) continue;
    try {
      check_mounts(volume, id);
    } catch (const Error& e) {
      r.problems.push_back(owner + " does not mount: " + describe(e));
    }
  }
  volume.record_usage();
  return r;
}

std::vector<FsckReport> fsck_all(Host& host) {
  require_root("fsck");
  sweep_abandoned_volumes(host);  // half-made (init) and half-removed (rm) volumes
  std::vector<FsckReport> out;
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(volumes_dir(host.root), ec))
    if (auto name = volume_name_from_dir(entry.path().filename().string())) names.push_back(*name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) out.push_back(fsck_volume(host, name));
  return out;
}

}  // namespace dvol
