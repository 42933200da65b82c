#include "src/diff_snapshot.h"

#include <cstdio>
#include <exception>

#include "io/error.h"
#include "src/live_suspend.h"
#include "src/volume.h"

namespace dvol {

DiffSnapshot::DiffSnapshot(Volume& volume) : volume_(volume) {
  auto record = volume.record();
  auto branch = volume.store().existing_branch(record.checked_out);
  const dm::CreateSnap create{dm::ThinId(kDiffSnapshotThinId), dm::ThinId(branch.thin_id)};
  {
    auto suspended = suspend_live_branch(volume, branch.thin_id);
    try {
      volume.pool().send(create);
    } catch (const Error& e) {
      if (e.code() != Code::AlreadyExists) throw;
      // A diff that a crash cut off left its snapshot: stale, so take a fresh one.
      volume.delete_thin(kDiffSnapshotThinId, /*missing_ok=*/true);
      volume.pool().send(create);
    }
    suspended.resume();
  }
  try {
    held_.emplace(dm::HeldMetadataSnapshot::reserve(volume.pool()));
  } catch (...) {
    discard_diff_snapshot(volume);
    throw;
  }
}

DiffSnapshot::~DiffSnapshot() {
  try {
    discard_diff_snapshot(volume_);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "dvol: warning: could not delete the diff's snapshot of the live data: %s "
                 "(the next diff or dvol fsck deletes it)\n",
                 e.what());
  }
  // held_ is released after this body: the metadata snapshot outlives the diff snapshot.
}

void discard_diff_snapshot(Volume& volume) { volume.delete_thin(kDiffSnapshotThinId, /*missing_ok=*/true); }

}  // namespace dvol
