#pragma once
// Keeping a volume's pool supplied with space (the policy is in space_policy.h), refusing
// work when there is too little, and bringing back a pool that a failed metadata write turned
// read-only. All run with the volume's lock held.
#include <string>

#include "dm/table.h"

namespace dvol {

class Volume;

// Grows the pool's data file, its loop device and the pool's table when the pool has less
// free than the filesystem size (space_policy.h), and finishes a growth that a crash cut
// short (the store then records a longer data file than the live table). Returns the pool's
// status afterwards. On error the pool keeps its old size and stays live.
dm::ThinPoolStatus ensure_pool_room(Volume& volume, const dm::ThinPoolStatus& status);

// The plan-phase check of commit and checkout -b: throws ResourceExhausted, saying what is
// short and how to free space, when the pool or the host filesystem holding its files has
// less than kMinFreeBytes free. `doing` names the refused command ("commit"). The pool must be
// live. Changes nothing.
void require_free_space(Volume& volume, const std::string& doing);

// True when the pool is out of data space or the host filesystem holding its files has less
// than kMinFreeBytes free: the live data then cannot be snapshotted (its filesystem cannot
// flush to freeze), so the uncommitted-changes check cannot run. The pool must be live.
bool short_of_space(Volume& volume);

// True when the pool has stopped taking writes: read-only (a metadata write failed, for
// instance because the host filesystem was full), needs_check, or failed.
bool pool_needs_check(const dm::ThinPoolStatus& status);

// Takes the volume's devices down (unmounting its branch, removing its thin devices and the
// pool), checks the pool's metadata with thin_check and clears its needs_check flag, leaving
// the pool down for the caller to bring up again. Throws Unavailable when something still
// uses the branch (nothing has changed then), Corruption with the way to repair by hand when
// the metadata is damaged (the devices are down then).
void take_down_and_check(Volume& volume, const dm::ThinPoolStatus& status);

}  // namespace dvol
