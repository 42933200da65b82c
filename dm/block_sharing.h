#pragma once
// Which thin devices of a pool map each of its data blocks, from the pool's metadata: what a
// device references, what it alone references (what deleting it frees), and what deleting a
// set of devices together frees. Pure logic over a ThinMetadata (no syscalls here).
//
// Cost follows the metadata, not the data: every btree node is read once however many devices
// share it (a snapshot starts as a second reference to its origin's tree). The devices reaching
// each node are found top-down, level by level (a node's height above its leaves is fixed, so
// parents always come first); each leaf then gives its data blocks the set of devices reaching
// it. A data block can sit in several leaves (copy-on-write copies a leaf with the entries it
// did not change), so a block's owners are the union over its leaves. Owner sets are interned:
// memory is a few bytes per mapped data block plus one entry per distinct set.
#include <cstdint>
#include <vector>

#include "dm/thin_metadata.h"

namespace dvol::dm {

class BlockSharing {
 public:
  // Reads the mapping trees of `devices`. Throws NotFound for a device not in the pool,
  // Corruption for bad metadata (cycles, mixed leaf depths, more nodes than blocks).
  [[nodiscard]] static BlockSharing read(ThinMetadata& metadata, const std::vector<ThinId>& devices);

  // In pool data blocks. A device not given to read() counts 0.
  uint64_t referenced(ThinId id) const;
  uint64_t exclusive(ThinId id) const;
  // Blocks that no device outside `deleted` maps: what deleting them all frees.
  uint64_t freed_by_deleting(const std::vector<ThinId>& deleted) const;
  // Distinct data blocks any of the devices maps.
  uint64_t mapped() const;
  uint64_t nodes_read() const { return nodes_read_; }

 private:
  using Owners = std::vector<uint64_t>;  // a bitset over indexes into devices_
  struct OwnedBlocks {
    Owners owners;
    uint64_t blocks = 0;
  };
  // Index of `id` in devices_, or -1.
  int index_of(ThinId id) const;
  bool owned_only_by(const Owners& owners, const Owners& allowed) const;

  std::vector<ThinId> devices_;
  std::vector<OwnedBlocks> sets_;  // each distinct owner set and how many blocks it has
  uint64_t nodes_read_ = 0;
};

}  // namespace dvol::dm
