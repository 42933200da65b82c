#pragma once
// The delta of two thin devices' block mappings, read from pool metadata: which virtual blocks
// differ. Pure logic over a ThinMetadata (no syscalls here).
//
// Cost follows the size of the change, not of the devices: a snapshot starts as a second
// reference to its origin's btree, and copy-on-write gives each changed path new nodes while
// every untouched subtree stays one block shared by both trees. Walking the two trees together
// and skipping, without reading, every subtree whose root block is the same on both sides
// visits only the changed paths: O(changed leaves * depth) nodes.
#include <cstdint>
#include <optional>
#include <vector>

#include "dm/thin_metadata.h"

namespace dvol::dm {

enum class DeltaKind {
  Different,  // both mapped, to different data blocks
  LeftOnly,   // mapped in the left device only
  RightOnly,  // mapped in the right device only
};

// Virtual blocks [begin, begin + length), counted in pool data blocks.
struct DeltaRange {
  uint64_t begin = 0;
  uint64_t length = 0;
  DeltaKind kind = DeltaKind::Different;
  friend bool operator==(const DeltaRange&, const DeltaRange&) = default;
};

struct BlockRange {
  uint64_t begin = 0;  // in pool data blocks
  uint64_t length = 0;
  friend bool operator==(const BlockRange&, const BlockRange&) = default;
};

// What a delta cost, so tests (and benchmarks) can check that shared subtrees were skipped.
struct DeltaStats {
  uint64_t nodes_read = 0;        // mapping-tree nodes read (the two device lookups not counted)
  uint64_t subtrees_skipped = 0;  // subtrees shared by both sides, never read
  uint64_t entries_compared = 0;  // leaf entries looked at
};

// Ranges where thin devices `left` and `right` differ: sorted by begin, adjacent blocks of one
// kind merged. Blocks mapped to the same data block on both sides never appear (whatever their
// mapping time). Throws NotFound if either device is not in the pool, Corruption for bad metadata.
std::vector<DeltaRange> thin_delta(ThinMetadata& metadata, ThinId left, ThinId right, DeltaStats* stats = nullptr);

// A run of differing virtual blocks with where their data lives: the pool data blocks of each
// side (nullopt where that side is unmapped, i.e. reads as zeros). Each mapped side's data
// blocks are contiguous across the run.
struct MappedDelta {
  uint64_t begin = 0;  // virtual, in pool data blocks
  uint64_t length = 0;
  std::optional<uint64_t> left_data, right_data;  // first data block of each side
  friend bool operator==(const MappedDelta&, const MappedDelta&) = default;
};

// The blocks of thin_delta() with their data blocks, sorted by begin, runs merged only where
// both sides stay contiguous; what reading the changes from the pool's data device needs.
std::vector<MappedDelta> thin_delta_mapped(ThinMetadata& metadata, ThinId left, ThinId right,
                                           DeltaStats* stats = nullptr);

// Every mapped virtual block of `thin`, as sorted merged ranges. Throws like thin_delta.
std::vector<BlockRange> mapped_ranges(ThinMetadata& metadata, ThinId thin);

}  // namespace dvol::dm
