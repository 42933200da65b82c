#pragma once
// Taking a volume's kernel state down: unmounting everything under its directory and
// removing its dm devices (thin devices, then the pool; the loop devices then detach by
// themselves). Used by rm and by the sweep of volumes whose creation or removal a crash
// interrupted.
#include <filesystem>
#include <string>
#include <vector>

#include "dm/control.h"
#include "src/host.h"

namespace dvol {

// The live dm devices of volume `uid` (their names start with dm_name_prefix(uid)), its thin
// devices first and its pool last, the order in which they can be removed.
std::vector<dm::DmName> volume_devices(dm::Control& dm, const std::string& uid);

// Removes device `name`, resumed first: a command killed between suspend and resume leaves
// its device suspended, and a suspended device cannot be removed. Absent is fine; busy throws
// Unavailable.
void remove_device(dm::Control& dm, const dm::DmName& name);

// Unmounts what is mounted under `dir` and removes every dm device of volume `uid`.
// Busy mounts or devices throw Unavailable; absent ones are fine.
void teardown_volume_devices(Host& host, const std::string& uid, const std::filesystem::path& dir);

// Removes what crashed inits and rms left under <root>/volumes (".new-*" and ".trash-*"
// directories and their devices). Call with the root lock held.
void sweep_abandoned_volumes(Host& host);

}  // namespace dvol
