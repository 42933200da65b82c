#pragma once
// Opening block devices (and files) for reading with O_DIRECT where the kernel allows it.
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

// Size in bytes of a block device or regular file.
uint64_t size_of(int fd, const std::string& path);

}  // namespace dvol::io
