#pragma once
// Comparing two block devices (or files) over byte ranges at 4 KiB granularity, with both
// sides of many chunks in flight on one io_uring.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "io/uring.h"

namespace dvol::io {

inline constexpr uint64_t kCompareBlock = 4096;

struct CompareResult {
  uint64_t bytes_compared = 0;
  uint64_t bytes_differing = 0;    // bytes in 4 KiB blocks whose content differs
  std::vector<ByteRange> changed;  // those blocks (at their reported offsets), merged into sorted ranges
};

struct CompareHooks {
  std::function<void(uint64_t done, uint64_t total)> progress;  // called between batches
  std::function<bool()> cancelled;  // true: stop and throw Cancelled
};

// How much is read at once: chunks of `chunk` bytes, at most `depth` chunks (of both sides) in
// flight. Buffers are 2 x depth x chunk, and fewer when there is less to read; they are reused
// as reads complete, so the memory touched stays bounded whatever the amount compared.
struct CompareBuffers {
  size_t chunk = 1 << 20;
  unsigned depth = 32;
};

// One piece of a comparison: `length` bytes, reported at offset `at`, read from `a` at
// `a_offset` and from `b` at `b_offset`; a side without an offset reads as zeros (a thin block
// mapped on one side only). All 4 KiB-aligned.
struct ComparePiece {
  uint64_t at = 0;
  uint64_t length = 0;
  std::optional<uint64_t> a_offset, b_offset;
};

// Compares `pieces` (their reported ranges must not overlap; any order). Read errors throw
// with the failing side's path; nothing is ever reported as "differs" because it could not
// be read. `a` and `b` may be the same source.
CompareResult compare_pieces(IoUring& ring, ReadSource& a, ReadSource& b, const std::vector<ComparePiece>& pieces,
                             const CompareHooks& hooks = {}, CompareBuffers buffers = {});

// Compares the same `ranges` of `a` and `b` (4 KiB-aligned, any order, not overlapping).
CompareResult compare_ranges(IoUring& ring, ReadSource& a, ReadSource& b, const std::vector<ByteRange>& ranges,
                             const CompareHooks& hooks = {}, CompareBuffers buffers = {});

}  // namespace dvol::io
