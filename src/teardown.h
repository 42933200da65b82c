#pragma once
// Taking a volume's kernel state down: unmounting everything under its directory and
// removing its dm devices (thin devices, then the pool; the loop devices then detach by
// themselves). Used by rm and by the sweep of volumes whose creation or removal a crash
// interrupted.
#include <filesystem>
#include <string>

#include "src/host.h"

namespace dvol {

// Unmounts what is mounted under `dir` and removes every dm device of volume `uid`.
// Busy mounts or devices throw Unavailable; absent ones are fine.
void teardown_volume_devices(Host& host, const std::string& uid, const std::filesystem::path& dir);

// Removes what crashed inits and rms left under <root>/volumes (".new-*" and ".trash-*"
// directories and their devices). Call with the root lock held.
void sweep_abandoned_volumes(Host& host);

}  // namespace dvol
