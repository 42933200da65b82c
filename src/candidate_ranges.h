#pragma once
// What can differ between two thin devices of a volume, from the pool's metadata, and where
// to read it: blocks mapped to the same data block on both sides are identical and never read;
// the others are read straight from the pool's data device at the data blocks each side maps
// (an unmapped side reads as zeros), so no thin device has to be made live to compare them.
#include <cstdint>
#include <string>
#include <vector>

#include "io/block_compare.h"

namespace dvol {

class Volume;

struct Candidates {
  // at: offset on the thin devices; a_offset/b_offset: offsets on the pool's data device.
  std::vector<io::ComparePiece> pieces;
  std::string data_device;  // "major:minor" of the pool's data device
  uint64_t bytes() const;
};

// For a live pool, and thin devices that nothing writes to while the result is used (commits
// and diff snapshots): their data blocks stay where the metadata says. Holds the pool's
// metadata snapshot while reading, released on every path.
Candidates candidate_pieces(Volume& volume, uint32_t thin_a, uint32_t thin_b);

// The same, read from a metadata snapshot the caller holds (root: its superblock).
Candidates candidate_pieces(Volume& volume, uint32_t thin_a, uint32_t thin_b, uint64_t metadata_root);

}  // namespace dvol
