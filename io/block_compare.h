#pragma once
// Comparing two block devices (or files) over byte ranges at 4 KiB granularity, with both
// sides of many chunks in flight on one io_uring.
#include <cstdint>
#include <functional>
#include <vector>

#include "io/uring.h"

namespace dvol::io {

inline constexpr uint64_t kCompareBlock = 4096;

struct CompareResult {
  uint64_t bytes_compared = 0;
  uint64_t bytes_differing = 0;    // bytes in 4 KiB blocks whose content differs
  std::vector<ByteRange> changed;  // those blocks, merged into sorted ranges
};

struct CompareHooks {
  std::function<void(uint64_t done, uint64_t total)> progress;  // called between batches
  std::function<bool()> cancelled;  // true: stop and throw Cancelled
};

// Compares `ranges` (4 KiB-aligned; they may be given in any order but must not overlap) of
// `a` and `b`. Read errors throw with the failing side's path; nothing is ever reported as
// "differs" because it could not be read.
CompareResult compare_ranges(IoUring& ring, ReadSource& a, ReadSource& b, const std::vector<ByteRange>& ranges,
                             const CompareHooks& hooks = {}, size_t chunk = 1 << 20);

}  // namespace dvol::io
