#pragma once
// Which chunks of a commit a remote may lack, from the pool's metadata (as diff finds changed
// blocks): against the commit the remote already has, only the chunks holding blocks that map
// differently; without one, every chunk holding a mapped block. No data is read.
#include <cstdint>
#include <optional>
#include <vector>

namespace dvol {
class Volume;
}

namespace dvol::remote {

struct ChunkQuery {
  std::optional<uint32_t> from_thin;  // nullopt: an empty device
  uint32_t to_thin = 0;
};

// For each query, the sorted chunk indices to look at (below the volume's size). Reads all of
// them from one held metadata snapshot of the live pool (released before it returns).
std::vector<std::vector<uint64_t>> changed_chunks(Volume& volume, const std::vector<ChunkQuery>& queries);

}  // namespace dvol::remote
