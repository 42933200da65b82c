#pragma once
// Which of a volume's states map which pool data blocks (dm::BlockSharing), read without
// changing anything the user has: from a live pool through a held metadata snapshot (the only
// root that is stable while it runs, released before returning), from an inactive pool's
// metadata file directly (nothing writes it then).
#include <cstdint>
#include <vector>

#include "dm/block_sharing.h"
#include "src/volume.h"

namespace dvol {

struct SpaceUse {
  dm::BlockSharing sharing;
  uint64_t block_bytes = 0;
  uint64_t pool_used_bytes = 0;   // data blocks in use, as the pool counts them
  uint64_t pool_total_bytes = 0;  // the data device's size
};

// For a locked volume; `thin_ids` are its branches' and commits' thin devices.
SpaceUse read_space_use(Volume& volume, const std::vector<uint32_t>& thin_ids);

}  // namespace dvol
