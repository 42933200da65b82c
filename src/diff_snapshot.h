#pragma once
// DiffSnapshot: the snapshot of the live branch that a diff reads (dvol diff, and the
// uncommitted-changes check of status and checkout), so that containers writing to the branch
// cannot make the two reads of one block disagree. It lives under a thin id kept for it
// (kDiffSnapshotThinId, which the store never hands out), so making and deleting it writes
// nothing to dvol.db: the store has no intent to sync for a diff.
//
// While it lives, the pool's metadata snapshot is held too (it includes the diff snapshot, and
// the diff reads both devices' mappings from it). That is the trace a crash leaves: recovery,
// finding a metadata snapshot held, releases it and deletes the diff snapshot. A crash in the
// millisecond between the two leaves only the diff snapshot, which holds nothing but pool
// space until the next one is taken (it finds the id in use and deletes it) or dvol fsck runs.
#include <cstdint>
#include <optional>

#include "dm/thin_pool.h"
#include "src/store.h"

namespace dvol {

class Volume;

class DiffSnapshot {
 public:
  // Snapshots the checked-out branch (suspended for the instant of create_snap) and holds the
  // pool's metadata snapshot. The volume is locked and active.
  explicit DiffSnapshot(Volume& volume);
  // Deletes the snapshot, then releases the metadata snapshot; failures are warnings.
  ~DiffSnapshot();
  DiffSnapshot(const DiffSnapshot&) = delete;
  DiffSnapshot& operator=(const DiffSnapshot&) = delete;

  uint32_t thin_id() const { return kDiffSnapshotThinId; }
  // The held metadata snapshot's root, which already includes this snapshot.
  uint64_t metadata_root() const { return held_->root(); }

 private:
  Volume& volume_;
  std::optional<dm::HeldMetadataSnapshot> held_;
};

// After a crash that left the pool's metadata snapshot held: deletes a diff snapshot left with
// it, if any.
void discard_diff_snapshot(Volume& volume);

}  // namespace dvol
