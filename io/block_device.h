#pragma once
// Opening block devices (and files) for reading with O_DIRECT where the kernel allows it.
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "io/fd.h"

namespace dvol::io {

struct ReadHandle {
  Fd fd;
  bool direct = false;  // O_DIRECT: buffers and offsets must be 4 KiB aligned
  uint64_t size = 0;    // bytes
};

// Opens `path` read-only with O_DIRECT; where O_DIRECT is refused (tmpfs, hostfs) falls back
// to buffered reads instead of failing.
[[nodiscard]] ReadHandle open_for_reading(const std::string& path, bool try_direct = true);

// A device number as dm tables and mountinfo write it: "major:minor" ("7:3").
std::string major_minor(dev_t dev);

// Opens the block device "major:minor" (as dm tables name devices) like open_for_reading: its
// /dev node, found through sysfs, or where /dev lacks one, a node made in a private temporary
// directory and removed again at once (the open descriptor keeps working). `opened`, if given,
// receives the node's path (or major:minor). InvalidArgument for a malformed number.
[[nodiscard]] ReadHandle open_device_for_reading(const std::string& major_minor, std::string* opened = nullptr);

// Size in bytes of a block device or regular file.
uint64_t size_of(int fd, const std::string& path);

}  // namespace dvol::io
