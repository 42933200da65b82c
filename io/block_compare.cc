#include "io/block_compare.h"

#include <algorithm>
#include <cstring>

#include "io/error.h"

namespace dvol::io {

CompareResult compare_ranges(IoUring& ring, ReadSource& a, ReadSource& b, const std::vector<ByteRange>& ranges,
                             const CompareHooks& hooks, size_t chunk) {
  for (const auto& r : ranges)
    if (r.offset % kCompareBlock || r.length % kCompareBlock)
      throw Error(Code::Internal, "compare_ranges: ranges must be 4 KiB aligned");
  auto todo = split_into_chunks(ranges, chunk);
  uint64_t total = 0;
  for (const auto& r : todo) total += r.length;

  const unsigned pairs = std::max(1u, ring.entries() / 2);
  AlignedBuffers buffers(2 * pairs, chunk);
  std::vector<unsigned> free_pairs;
  for (unsigned i = 0; i < pairs; ++i) free_pairs.push_back(i);
  std::vector<int> arrived(pairs, 0);
  std::vector<size_t> chunk_of(pairs, 0);
  UringQueue queue(ring);

  CompareResult result;
  std::vector<ByteRange> changed;
  size_t next = 0;
  std::vector<uint64_t> done;
  while (next < todo.size() || queue.in_flight() > 0) {
    while (next < todo.size() && !free_pairs.empty()) {
      unsigned p = free_pairs.back();
      free_pairs.pop_back();
      arrived[p] = 0;
      chunk_of[p] = next;
      queue.submit(a, buffers[2 * p], todo[next].offset, todo[next].length, 2 * p);
      queue.submit(b, buffers[2 * p + 1], todo[next].offset, todo[next].length, 2 * p + 1);
      ++next;
    }
    done.clear();
    queue.wait(done);
    for (uint64_t tag : done) {
      unsigned p = static_cast<unsigned>(tag / 2);
      if (++arrived[p] < 2) continue;
      const ByteRange& r = todo[chunk_of[p]];
      const std::byte* x = buffers[2 * p];
      const std::byte* y = buffers[2 * p + 1];
      for (uint64_t off = 0; off < r.length; off += kCompareBlock) {
        if (std::memcmp(x + off, y + off, kCompareBlock) != 0) {
          result.bytes_differing += kCompareBlock;
          changed.push_back({r.offset + off, kCompareBlock});
        }
      }
      result.bytes_compared += r.length;
      free_pairs.push_back(p);
    }
    if (hooks.progress) hooks.progress(result.bytes_compared, total);
    // The queue's destructor lets the reads in flight land before the buffers go.
    if (hooks.cancelled && hooks.cancelled()) throw Error(Code::Cancelled, "interrupted");
  }
  result.changed = merge_ranges(std::move(changed));
  return result;
}

}  // namespace dvol::io
