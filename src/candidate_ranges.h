#pragma once
// Which byte ranges of two thin devices of a volume can differ, from the pool's metadata:
// ranges mapped to the same data block on both sides are identical and never read.
#include <cstdint>
#include <vector>

#include "io/byte_range.h"

namespace dvol {

class Volume;

// For a live pool. Holds the pool's metadata snapshot while reading, released on every path.
std::vector<io::ByteRange> candidate_ranges(Volume& volume, uint32_t thin_a, uint32_t thin_b);

}  // namespace dvol
