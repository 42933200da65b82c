#pragma once
// A range of bytes on a device or in a file. Plain value; no syscalls.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace dvol::io {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t end() const { return offset + length; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Sorts and merges adjacent or overlapping ranges; empty ones are dropped.
inline std::vector<ByteRange> merge_ranges(std::vector<ByteRange> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const ByteRange& x, const ByteRange& y) { return x.offset < y.offset; });
  std::vector<ByteRange> out;
  for (const auto& r : ranges) {
    if (r.length == 0) continue;
    if (!out.empty() && out.back().end() >= r.offset)
      out.back().length = std::max(out.back().end(), r.end()) - out.back().offset;
    else
      out.push_back(r);
  }
  return out;
}

}  // namespace dvol::io
