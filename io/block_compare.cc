#include "io/block_compare.h"

#include <algorithm>
#include <cstring>

#include "io/error.h"

namespace dvol::io {

namespace {

bool aligned(uint64_t v) { return v % kCompareBlock == 0; }

// The pieces cut into chunks of at most `chunk` bytes.
std::vector<ComparePiece> split(const std::vector<ComparePiece>& pieces, uint64_t chunk) {
  std::vector<ComparePiece> out;
  for (const auto& p : pieces) {
    for (uint64_t off = 0; off < p.length; off += chunk) {
      ComparePiece c{p.at + off, std::min<uint64_t>(chunk, p.length - off), std::nullopt, std::nullopt};
      if (p.a_offset) c.a_offset = *p.a_offset + off;
      if (p.b_offset) c.b_offset = *p.b_offset + off;
      out.push_back(c);
    }
  }
  return out;
}

bool is_zero(const std::byte* block) {
  alignas(64) static const std::byte zeros[kCompareBlock] = {};
  return std::memcmp(block, zeros, kCompareBlock) == 0;
}

}  // namespace

CompareResult compare_pieces(IoUring& ring, ReadSource& a, ReadSource& b, const std::vector<ComparePiece>& pieces,
                             const CompareHooks& hooks, CompareBuffers sizes) {
  for (const auto& p : pieces)
    if (!aligned(p.at) || !aligned(p.length) || (p.a_offset && !aligned(*p.a_offset)) ||
        (p.b_offset && !aligned(*p.b_offset)))
      throw Error(Code::Internal, "compare_pieces: pieces must be 4 KiB aligned");
  auto todo = split(pieces, sizes.chunk);
  uint64_t total = 0;
  for (const auto& c : todo) total += c.length;

  // Only as many buffers as there are chunks: untouched memory costs nothing, but every page
  // touched once costs a fault (dear under a user-mode kernel).
  const unsigned pairs = static_cast<unsigned>(
      std::max<size_t>(1, std::min<size_t>({sizes.depth, ring.entries() / 2, todo.size()})));
  AlignedBuffers buffers(2 * pairs, sizes.chunk);
  std::vector<unsigned> free_pairs;
  for (unsigned i = pairs; i-- > 0;) free_pairs.push_back(i);  // pair 0 first, then reused first
  std::vector<int> arrived(pairs, 0), needed(pairs, 0);
  std::vector<size_t> chunk_of(pairs, 0);
  UringQueue queue(ring);

  CompareResult result;
  std::vector<ByteRange> changed;
  // Compares the chunk held by pair `p` once both of its sides are in.
  auto compare_chunk = [&](unsigned p) {
    const ComparePiece& c = todo[chunk_of[p]];
    const std::byte* x = buffers[2 * p];
    const std::byte* y = buffers[2 * p + 1];
    for (uint64_t off = 0; off < c.length; off += kCompareBlock) {
      bool same = c.a_offset && c.b_offset ? std::memcmp(x + off, y + off, kCompareBlock) == 0
                  : c.a_offset            ? is_zero(x + off)
                  : c.b_offset            ? is_zero(y + off)
                                          : true;
      if (!same) {
        result.bytes_differing += kCompareBlock;
        changed.push_back({c.at + off, kCompareBlock});
      }
    }
    result.bytes_compared += c.length;
    free_pairs.push_back(p);
  };

  size_t next = 0;
  std::vector<uint64_t> done;
  while (next < todo.size() || queue.in_flight() > 0) {
    while (next < todo.size() && !free_pairs.empty()) {
      unsigned p = free_pairs.back();
      free_pairs.pop_back();
      const ComparePiece& c = todo[next];
      chunk_of[p] = next++;
      arrived[p] = 0;
      needed[p] = (c.a_offset ? 1 : 0) + (c.b_offset ? 1 : 0);
      if (c.a_offset) queue.submit(a, buffers[2 * p], *c.a_offset, c.length, 2 * p);
      if (c.b_offset) queue.submit(b, buffers[2 * p + 1], *c.b_offset, c.length, 2 * p + 1);
      if (needed[p] == 0) compare_chunk(p);
    }
    if (queue.in_flight() == 0) continue;
    done.clear();
    queue.wait(done);
    for (uint64_t tag : done) {
      unsigned p = static_cast<unsigned>(tag / 2);
      if (++arrived[p] == needed[p]) compare_chunk(p);
    }
    if (hooks.progress) hooks.progress(result.bytes_compared, total);
    // The queue's destructor lets the reads in flight land before the buffers go.
    if (hooks.cancelled && hooks.cancelled()) throw Error(Code::Cancelled, "interrupted");
  }
  result.changed = merge_ranges(std::move(changed));
  return result;
}

CompareResult compare_ranges(IoUring& ring, ReadSource& a, ReadSource& b, const std::vector<ByteRange>& ranges,
                             const CompareHooks& hooks, CompareBuffers buffers) {
  std::vector<ComparePiece> pieces;
  pieces.reserve(ranges.size());
  for (const auto& r : ranges) pieces.push_back({r.offset, r.length, r.offset, r.offset});
  return compare_pieces(ring, a, b, pieces, hooks, buffers);
}

}  // namespace dvol::io
