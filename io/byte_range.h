#pragma once
// A range of bytes on a device or in a file. Plain value; no syscalls.
#include <cstdint>

namespace dvol::io {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t end() const { return offset + length; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

}  // namespace dvol::io
