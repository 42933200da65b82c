#pragma once
// Our own reader of the kernel's on-disk thin-pool metadata (drivers/md/dm-thin-metadata.c and
// persistent-data/): the superblock, btree nodes, and the two trees dvol needs, the top-level
// device tree (thin id -> root of that device's mapping tree) and the device details tree.
//
// Pure parsing: no syscalls here. Blocks come from a MetadataSource (dm/metadata_device.h reads
// a real metadata device; tests use an in-memory map). Everything read is validated, because
// the input is a disk: corrupt metadata throws Error(Code::Corruption), never crashes and never
// loops (a fuzz target feeds this garbage).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "dm/units.h"

namespace dvol::dm {

inline constexpr size_t kMetadataBlockSize = 4096;  // fixed by the kernel (THIN_METADATA_BLOCK_SIZE)
using MetadataBlockSpan = std::span<std::byte, kMetadataBlockSize>;
using ConstMetadataBlockSpan = std::span<const std::byte, kMetadataBlockSize>;

// Where metadata blocks come from. Implementations decide caching and I/O; the reader only
// asks for whole 4 KiB blocks.
class MetadataSource {
 public:
  virtual ~MetadataSource() = default;
  // Fills `out` with metadata block `block`. Throws Error (Io, or Corruption for a block past
  // the end) on failure; `out` is then unspecified.
  virtual void read_block(uint64_t block, MetadataBlockSpan out) = 0;
  // Number of 4 KiB blocks the source holds: every block number found in the metadata must be
  // below it. (The superblock's metadata_nr_blocks is written only when the kernel formats the
  // device, so it goes stale when the metadata device is grown; the device size does not.)
  virtual uint64_t nr_blocks() const = 0;
};

// The checksum the kernel's dm_bm_checksum() computes: crc32c seeded with ~0, not inverted at
// the end, xored with a per-block-type constant.
uint32_t metadata_checksum(std::span<const std::byte> data, uint32_t xor_value);
inline constexpr uint32_t kSuperblockCsumXor = 160774;  // SUPERBLOCK_CSUM_XOR
inline constexpr uint32_t kBtreeCsumXor = 121107;       // BTREE_CSUM_XOR
inline constexpr uint64_t kThinSuperblockMagic = 27022010;

// The fields of struct thin_disk_superblock that dvol uses. Of the space map roots only the data
// blocks in use are read, and only the live superblock has them: the held copy made by
// reserve_metadata_snap has them zeroed.
struct Superblock {
  uint64_t location = 0;  // block it was read from (0, or the held root)
  uint32_t flags = 0;
  uint32_t version = 0;
  uint32_t time = 0;  // bumped by every create_snap
  uint64_t transaction_id = 0;
  uint64_t held_root = 0;  // 0: none
  uint64_t data_mapping_root = 0;
  uint64_t device_details_root = 0;
  Sectors data_block_size;
  uint64_t metadata_nr_blocks = 0;  // as formatted; see MetadataSource::nr_blocks()
  uint64_t data_blocks_allocated = 0;  // the data space map's nr_allocated: pool blocks in use

  // Parses and validates (checksum, magic, blocknr == location, sizes, feature flags).
  // Throws Corruption, or Unsupported for incompat feature flags this reader does not know.
  static Superblock parse(ConstMetadataBlockSpan block, uint64_t location);
};

// One validated btree node, decoded. Keys are strictly increasing. Internal nodes and the
// mapping/top-level leaves have 8-byte values, decoded into `values`; other leaves (device
// details) keep their raw bytes in `raw_values`.
struct BtreeNode {
  uint64_t location = 0;
  bool leaf = false;
  uint32_t value_size = 0;
  std::vector<uint64_t> keys;
  std::vector<uint64_t> values;         // value_size == 8
  std::vector<std::byte> raw_values;    // value_size != 8: keys.size() * value_size bytes

  // Validates checksum, blocknr, flags, entry counts, value size (8 for internal nodes,
  // `leaf_value_size` for leaves), key order, and that internal children are real btree
  // blocks (not 0, below `nr_blocks`). Throws Corruption.
  static BtreeNode parse(ConstMetadataBlockSpan block, uint64_t location, uint32_t leaf_value_size,
                         uint64_t nr_blocks);
};

// A mapping-tree value: the pool data block and the pool "time" when it was mapped.
struct BlockTime {
  uint64_t data_block;
  uint32_t time;
};
inline BlockTime unpack_block_time(uint64_t v) { return {v >> 24, static_cast<uint32_t>(v & 0xffffff)}; }

// struct disk_device_details.
struct DeviceDetails {
  uint64_t mapped_blocks = 0;
  uint64_t transaction_id = 0;  // pool transaction id when created
  uint32_t creation_time = 0;
  uint32_t snapshotted_time = 0;
};

inline constexpr uint32_t kDeviceDetailsSize = 24;
inline constexpr size_t kMaxBtreeDepth = 16;  // 252-way nodes: 8 levels already cover 2^64 keys

class ThinMetadata;

// BtreeCursor: walks one single-level btree with 8-byte values in key order. Its current item
// is either a leaf entry or a whole subtree not yet read (a child pointer of an internal node,
// with the key range its parent gives it), so a caller can skip a subtree without reading it
// (thin_delta skips subtrees two devices share) or expand() it into its contents.
// Validates as it goes: besides BtreeNode's checks, child keys lie inside the parent's range,
// only the root may be empty, all leaves sit at one depth, no node is its own ancestor, depth
// is bounded, and it never reads more nodes than the metadata has blocks: corrupt trees throw
// Corruption and every walk terminates. Borrows the metadata; not thread-safe.
class BtreeCursor {
 public:
  struct Item {
    bool subtree = false;
    uint64_t key = 0;             // entry: its key; subtree: lower bound of its keys
    std::optional<uint64_t> hi;   // subtree: exclusive upper bound of its keys (none: unbounded)
    uint64_t value = 0;           // entry: its value; subtree: block of its root node
  };

  // Starts at the whole tree as one unexpanded subtree (key 0, unbounded).
  BtreeCursor(ThinMetadata& metadata, uint64_t root);

  bool done() const { return done_; }
  const Item& item() const { return item_; }  // only while !done()
  // Moves past the current item; for a subtree, past all of it without reading it.
  void next();
  // Reads the current subtree's root node and makes its first child or entry current.
  void expand();
  // Moves to the next leaf entry at or after the current item, expanding subtrees on the way.
  // Returns false at the end.
  bool to_entry();

 private:
  struct Frame {
    BtreeNode node;
    size_t index;
    std::optional<uint64_t> hi;
  };
  void load_item();

  ThinMetadata& md_;
  std::vector<Frame> frames_;
  Item item_;
  bool done_ = false;
  bool at_root_ = true;
  std::optional<size_t> leaf_depth_;
  uint64_t expanded_ = 0;
};

// ThinMetadata: a read-only view of one metadata root (block 0 for the live superblock, or the
// held root of a reserved metadata snapshot, which is the only root that is stable while the
// pool runs). Borrows the source, which must outlive it. Not thread-safe (it counts reads).
// The destructor does nothing to the kernel: reading never changes the pool.
class ThinMetadata {
 public:
  // Reads and validates the superblock at `superblock_block`. Throws Corruption (or Io).
  ThinMetadata(MetadataSource& source, uint64_t superblock_block);

  const Superblock& superblock() const { return super_; }
  Sectors data_block_size() const { return super_.data_block_size; }
  uint64_t data_mapping_root() const { return super_.data_mapping_root; }
  uint64_t device_details_root() const { return super_.device_details_root; }
  uint64_t nr_blocks() const { return nr_blocks_; }

  // Root block of thin device `id`'s mapping tree; nullopt if the pool has no such device.
  std::optional<uint64_t> device_root(ThinId id);
  std::optional<DeviceDetails> device_details(ThinId id);
  // Every thin id in the pool, ascending.
  std::vector<ThinId> thin_ids();

  // Reads and validates one btree node (see BtreeNode::parse). Counts towards nodes_read().
  BtreeNode read_node(uint64_t block, uint32_t leaf_value_size);
  uint64_t nodes_read() const { return nodes_read_; }

 private:
  // Looks `key` up in the single-level tree at `root`; returns the leaf and index holding it.
  std::optional<std::pair<BtreeNode, size_t>> lookup(uint64_t root, uint64_t key, uint32_t leaf_value_size);

  // fixed after construction
  MetadataSource& source_;
  uint64_t nr_blocks_;
  Superblock super_;
  // mutable
  uint64_t nodes_read_ = 0;
};

}  // namespace dvol::dm
