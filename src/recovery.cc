#include "src/recovery.h"

#include "io/error.h"
#include "io/mounter.h"
#include "src/diff_snapshot.h"
#include "src/naming.h"
#include "src/teardown.h"
#include "src/volume.h"

namespace dvol {

namespace {

// Removes the live device and the thin id; both may already be gone after a crash.
void discard_thin(Volume& v, uint32_t id) {
  v.deactivate_thin(id);
  v.delete_thin(id, /*missing_ok=*/true);
}

}  // namespace

std::vector<std::string> take_down_leftovers(Volume& v) {
  std::vector<std::string> repaired;
  const auto& paths = v.paths();
  auto mounts = v.host().mounts.mounts_under(paths.dir);
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {  // deepest first
    if (*it == paths.mount) continue;
    v.host().mounts.unmount(*it);
    repaired.push_back("unmounted " + it->string() + ", left mounted by an interrupted command");
  }
  auto record = v.store().volume();
  auto branch = v.store().branch(record.checked_out);
  if (!branch) return repaired;  // a volume being made: nothing is served yet
  auto& dm = v.host().dm;
  const auto keep = thin_dm_name(record.uid, branch->thin_id);
  auto served = dm.info(keep);
  auto mounted = v.host().mounts.mounted_device(paths.mount);
  if (!mounted.empty() && (!served || served->major_minor() != mounted)) {
    v.host().mounts.unmount(paths.mount);
    repaired.push_back("unmounted a state other than branch " + record.checked_out + " from " + paths.mount.string());
  }
  for (const auto& name : volume_devices(dm, record.uid)) {
    if (name == v.pool().name() || name == keep) continue;
    remove_device(dm, name);
    repaired.push_back("removed device " + name.str() + ", left live by an interrupted command");
  }
  return repaired;
}

std::vector<std::string> recover(Volume& v, const dm::ThinPoolStatus& pool_status) {
  std::vector<std::string> repaired;
  uint64_t pool_txn = pool_status.transaction_id;
  auto& store = v.store();
  auto intent = store.intent();
  auto record = store.volume();
  if (pool_status.held_metadata_root) {
    // A diff cut off by a crash: its snapshot of the live data goes first, while the
    // metadata snapshot that marks it is still held (src/diff_snapshot.h).
    discard_diff_snapshot(v);
    v.pool().send(dm::ReleaseMetadataSnap{});
    repaired.push_back("released the pool's metadata snapshot and deleted the snapshot of the live data that an "
                       "interrupted diff held");
  }
  if (intent) {
    if (!intent->committed) {
      for (uint32_t id : intent->created) discard_thin(v, id);
      // The pool may have moved to txn_before+1 before the crash: move it back.
      if (pool_txn != intent->txn_before)
        v.pool().send(dm::SetTransactionId{pool_txn, intent->txn_before});
    } else {
      for (uint32_t id : intent->doomed) discard_thin(v, id);
    }
    store.clear_intent();
    pool_txn = v.pool().status().transaction_id;
    repaired.push_back(intent->committed ? "finished an interrupted " + intent->op
                                         : "rolled back an interrupted " + intent->op);
  }
  if (pool_txn != record.transaction_id)
    throw Error(Code::Corruption,
                "the pool of volume " + v.name() + " does not match dvol's metadata",
                "pool transaction id " + std::to_string(pool_txn) + ", metadata " +
                    std::to_string(record.transaction_id));
  return repaired;
}

}  // namespace dvol
