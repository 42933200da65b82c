#pragma once
// Suspending the checked-out branch for a snapshot of the live data (commit, and the diff
// snapshot of diff, status and checkout): the suspend freezes its filesystem, so the snapshot
// is crash-consistent while containers keep running.
#include <cstdint>

#include "dm/suspended_device.h"

namespace dvol {

class Volume;

// Suspends branch `thin_id`, checked out and mounted in the locked, active `volume`. A
// filesystem whose journal stopped after a write error (the pool ran out of space under it)
// cannot be frozen although it still looks writable: it is mounted again, which replays its
// journal to its last consistent state, and suspended then. In use: throws Unavailable saying
// so, and nothing has changed.
[[nodiscard]] dm::SuspendedDevice suspend_live_branch(Volume& volume, uint32_t thin_id);

}  // namespace dvol
