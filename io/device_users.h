#pragma once
// Who has a block device open: for the message of a device that cannot be removed because it
// is busy ("mounted at /x", "under dm-5", "open by blkid (pid 812)"). Best effort: what this
// process may not look at (another user's /proc entries) is left out, never an error.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace dvol::io {

// One line per user of block device `dev`: its mount points in our namespace, the devices
// stacked on it (sysfs holders), and the processes with it open. Empty if none was found.
std::vector<std::string> device_users(dev_t dev);

// The same, read from `proc` and `sys` roots instead of /proc and /sys (unit tests).
std::vector<std::string> device_users(dev_t dev, const std::filesystem::path& proc, const std::filesystem::path& sys);

}  // namespace dvol::io
