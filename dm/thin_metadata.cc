#include "dm/thin_metadata.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "io/error.h"

namespace dvol::dm {
namespace {

// On-disk layout of struct thin_disk_superblock (little endian, packed).
constexpr size_t kSbCsum = 0, kSbFlags = 4, kSbBlocknr = 8, kSbMagic = 32, kSbVersion = 40, kSbTime = 44,
                 kSbTransId = 48, kSbHeldRoot = 56, kSbDataSmNrAllocated = 72, kSbDataMappingRoot = 320,
                 kSbDeviceDetailsRoot = 328,
                 kSbDataBlockSize = 336, kSbMetadataBlockSize = 340, kSbMetadataNrBlocks = 344,
                 kSbIncompatFlags = 360;
// struct node_header: csum, flags, blocknr, nr_entries, max_entries, value_size, padding.
constexpr size_t kNodeCsum = 0, kNodeFlags = 4, kNodeBlocknr = 8, kNodeNrEntries = 16, kNodeMaxEntries = 20,
                 kNodeValueSize = 24, kNodeHeaderSize = 32;
constexpr uint32_t kInternalNode = 1, kLeafNode = 2;

uint32_t le32(std::span<const std::byte> b, size_t off) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= static_cast<uint32_t>(b[off + i]) << (8 * i);
  return v;
}

uint64_t le64(std::span<const std::byte> b, size_t off) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v |= static_cast<uint64_t>(b[off + i]) << (8 * i);
  return v;
}

constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // Castagnoli, reflected
    t[i] = c;
  }
  return t;
}
constexpr auto kCrc32cTable = make_crc32c_table();

[[noreturn]] void corrupt(const std::string& what, uint64_t block) {
  throw Error(Code::Corruption, "the thin pool's metadata is corrupt (" + what + ")",
              "metadata block " + std::to_string(block));
}

}  // namespace

uint32_t metadata_checksum(std::span<const std::byte> data, uint32_t xor_value) {
  uint32_t crc = ~0u;
  for (auto b : data) crc = kCrc32cTable[(crc ^ static_cast<uint32_t>(b)) & 0xff] ^ (crc >> 8);
  return crc ^ xor_value;
}

Superblock Superblock::parse(ConstMetadataBlockSpan b, uint64_t location) {
  // Order of checks as the kernel's sb_check(): where it is, what it is, then whether intact.
  if (le64(b, kSbBlocknr) != location) corrupt("superblock names another block", location);
  if (le64(b, kSbMagic) != kThinSuperblockMagic) corrupt("no thin-pool superblock", location);
  // The checksum covers everything after the csum field itself.
  if (metadata_checksum(b.subspan(kSbFlags), kSuperblockCsumXor) != le32(b, kSbCsum))
    corrupt("superblock checksum mismatch", location);
  Superblock s;
  s.location = location;
  s.flags = le32(b, kSbFlags);
  s.version = le32(b, kSbVersion);
  s.time = le32(b, kSbTime);
  s.transaction_id = le64(b, kSbTransId);
  s.held_root = le64(b, kSbHeldRoot);
  s.data_mapping_root = le64(b, kSbDataMappingRoot);
  s.device_details_root = le64(b, kSbDeviceDetailsRoot);
  s.data_block_size = Sectors{le32(b, kSbDataBlockSize)};
  s.metadata_nr_blocks = le64(b, kSbMetadataNrBlocks);
  s.data_blocks_allocated = le64(b, kSbDataSmNrAllocated);
  if (s.version < 1 || s.version > 2) corrupt("unknown superblock version " + std::to_string(s.version), location);
  // The kernel knows no incompat features (THIN_FEATURE_INCOMPAT_SUPP is 0): any set bit means
  // a format this reader cannot interpret.
  if (uint32_t f = le32(b, kSbIncompatFlags); f != 0)
    throw Error(Code::Unsupported, "the thin pool's metadata uses features dvol cannot read",
                "incompat_flags " + std::to_string(f));
  if (le32(b, kSbMetadataBlockSize) != kMetadataBlockSize / kSectorSize)
    corrupt("metadata block size is not 4 KiB", location);
  auto bs = s.data_block_size.value;
  if (bs < 128 || bs > 2097152 || bs % 128 != 0) corrupt("impossible data block size " + std::to_string(bs), location);
  if (s.data_mapping_root == 0 || s.device_details_root == 0 || s.data_mapping_root == location ||
      s.device_details_root == location)
    corrupt("superblock points at itself", location);
  return s;
}

BtreeNode BtreeNode::parse(ConstMetadataBlockSpan b, uint64_t location, uint32_t leaf_value_size,
                           uint64_t nr_blocks) {
  // As the kernel's node_check(), plus what a reader that trusts nothing needs.
  if (le64(b, kNodeBlocknr) != location) corrupt("btree node names another block", location);
  if (metadata_checksum(b.subspan(kNodeFlags), kBtreeCsumXor) != le32(b, kNodeCsum))
    corrupt("btree node checksum mismatch", location);
  BtreeNode n;
  n.location = location;
  uint32_t flags = le32(b, kNodeFlags);
  if (flags != kInternalNode && flags != kLeafNode) corrupt("btree node is neither internal nor leaf", location);
  n.leaf = flags == kLeafNode;
  uint32_t nr = le32(b, kNodeNrEntries), max = le32(b, kNodeMaxEntries);
  n.value_size = le32(b, kNodeValueSize);
  uint32_t want_size = n.leaf ? leaf_value_size : 8;
  if (n.value_size != want_size) corrupt("btree node has value size " + std::to_string(n.value_size), location);
  // 64-bit arithmetic: max_entries is attacker-controlled and would overflow 32 bits.
  if (kNodeHeaderSize + (8 + uint64_t{n.value_size}) * max > kMetadataBlockSize)
    corrupt("btree node entries do not fit the block", location);
  if (nr > max) corrupt("btree node has more entries than room", location);
  if (!n.leaf && nr == 0) corrupt("empty internal btree node", location);
  n.keys.resize(nr);
  for (uint32_t i = 0; i < nr; ++i) {
    n.keys[i] = le64(b, kNodeHeaderSize + 8 * size_t{i});
    if (i > 0 && n.keys[i] <= n.keys[i - 1]) corrupt("btree node keys out of order", location);
  }
  size_t values = kNodeHeaderSize + 8 * size_t{max};
  if (n.value_size == 8) {
    n.values.resize(nr);
    for (uint32_t i = 0; i < nr; ++i) {
      n.values[i] = le64(b, values + 8 * size_t{i});
      // Block 0 is the superblock, never a btree node.
      if (!n.leaf && (n.values[i] == 0 || n.values[i] >= nr_blocks))
        corrupt("btree child outside the metadata device", location);
    }
  } else {
    auto raw = b.subspan(values, size_t{nr} * n.value_size);
    n.raw_values.assign(raw.begin(), raw.end());
  }
  return n;
}

BtreeCursor::BtreeCursor(ThinMetadata& metadata, uint64_t root) : md_(metadata) {
  item_ = Item{true, 0, std::nullopt, root};
}

void BtreeCursor::next() {
  if (at_root_) {
    done_ = true;
    return;
  }
  ++frames_.back().index;
  load_item();
}

void BtreeCursor::load_item() {
  while (!frames_.empty() && frames_.back().index >= frames_.back().node.keys.size()) {
    frames_.pop_back();
    if (!frames_.empty()) ++frames_.back().index;
  }
  if (frames_.empty()) {
    done_ = true;
    return;
  }
  const auto& f = frames_.back();
  size_t i = f.index;
  if (f.node.leaf) {
    item_ = Item{false, f.node.keys[i], std::nullopt, f.node.values[i]};
  } else {
    auto hi = i + 1 < f.node.keys.size() ? std::optional<uint64_t>(f.node.keys[i + 1]) : f.hi;
    item_ = Item{true, f.node.keys[i], hi, f.node.values[i]};
  }
}

void BtreeCursor::expand() {
  uint64_t block = item_.value;
  size_t depth = frames_.size();
  if (depth >= kMaxBtreeDepth) corrupt("btree too deep", block);
  for (const auto& f : frames_)
    if (f.node.location == block) corrupt("btree node is its own ancestor", block);
  // Within one tree every node is reached once (the checks below make key ranges disjoint), so
  // more reads than blocks means a malformed tree; stop rather than run on.
  if (++expanded_ > md_.nr_blocks()) corrupt("btree larger than the metadata device", block);
  auto node = md_.read_node(block, 8);
  if (node.keys.empty() && depth > 0) corrupt("empty non-root btree node", block);
  if (!node.keys.empty() && (node.keys.front() < item_.key || (item_.hi && node.keys.back() >= *item_.hi)))
    corrupt("btree node keys outside the range its parent gives", block);
  if (node.leaf) {
    if (leaf_depth_ && *leaf_depth_ != depth) corrupt("btree leaves at different depths", block);
    leaf_depth_ = depth;
  } else if (leaf_depth_ && depth >= *leaf_depth_) {
    corrupt("btree leaves at different depths", block);
  }
  frames_.push_back(Frame{std::move(node), 0, item_.hi});
  at_root_ = false;
  load_item();
}

bool BtreeCursor::to_entry() {
  while (!done_ && item_.subtree) expand();
  return !done_;
}

ThinMetadata::ThinMetadata(MetadataSource& source, uint64_t superblock_block)
    : source_(source), nr_blocks_(source.nr_blocks()) {
  if (superblock_block >= nr_blocks_) corrupt("superblock outside the metadata device", superblock_block);
  alignas(8) std::array<std::byte, kMetadataBlockSize> buf;
  source_.read_block(superblock_block, buf);
  super_ = Superblock::parse(buf, superblock_block);
  if (super_.data_mapping_root >= nr_blocks_ || super_.device_details_root >= nr_blocks_)
    corrupt("btree root outside the metadata device", superblock_block);
}

BtreeNode ThinMetadata::read_node(uint64_t block, uint32_t leaf_value_size) {
  if (block == 0 || block >= nr_blocks_) corrupt("btree node outside the metadata device", block);
  alignas(8) std::array<std::byte, kMetadataBlockSize> buf;
  source_.read_block(block, buf);
  ++nodes_read_;
  return BtreeNode::parse(buf, block, leaf_value_size, nr_blocks_);
}

std::optional<std::pair<BtreeNode, size_t>> ThinMetadata::lookup(uint64_t root, uint64_t key,
                                                                 uint32_t leaf_value_size) {
  // One path from root to leaf, with the cursor's structural checks along it.
  uint64_t block = root, lo = 0;
  std::optional<uint64_t> hi;
  std::vector<uint64_t> path;
  for (;;) {
    if (path.size() >= kMaxBtreeDepth) corrupt("btree too deep", block);
    if (std::find(path.begin(), path.end(), block) != path.end()) corrupt("btree node is its own ancestor", block);
    auto node = read_node(block, leaf_value_size);
    if (node.keys.empty()) {
      if (!path.empty()) corrupt("empty non-root btree node", block);
      return std::nullopt;
    }
    if (node.keys.front() < lo || (hi && node.keys.back() >= *hi))
      corrupt("btree node keys outside the range its parent gives", block);
    path.push_back(block);
    // The child that may hold `key` is the last one whose lower bound is <= key.
    auto it = std::upper_bound(node.keys.begin(), node.keys.end(), key);
    if (it == node.keys.begin()) return std::nullopt;
    size_t i = static_cast<size_t>(it - node.keys.begin()) - 1;
    if (node.leaf) {
      if (node.keys[i] != key) return std::nullopt;
      return std::make_pair(std::move(node), i);
    }
    lo = node.keys[i];
    if (i + 1 < node.keys.size()) hi = node.keys[i + 1];
    block = node.values[i];
  }
}

std::optional<uint64_t> ThinMetadata::device_root(ThinId id) {
  auto found = lookup(super_.data_mapping_root, id.value(), 8);
  if (!found) return std::nullopt;
  uint64_t root = found->first.values[found->second];
  if (root == 0 || root >= nr_blocks_) corrupt("thin device root outside the metadata device", found->first.location);
  return root;
}

std::optional<DeviceDetails> ThinMetadata::device_details(ThinId id) {
  auto found = lookup(super_.device_details_root, id.value(), kDeviceDetailsSize);
  if (!found) return std::nullopt;
  auto raw = std::span<const std::byte>(found->first.raw_values).subspan(found->second * kDeviceDetailsSize,
                                                                         kDeviceDetailsSize);
  return DeviceDetails{le64(raw, 0), le64(raw, 8), le32(raw, 16), le32(raw, 20)};
}

std::vector<ThinId> ThinMetadata::thin_ids() {
  std::vector<ThinId> ids;
  BtreeCursor c(*this, super_.data_mapping_root);
  for (; c.to_entry(); c.next()) {
    if (c.item().key > ThinId::kMax) corrupt("thin id above 24 bits", super_.data_mapping_root);
    ids.push_back(ThinId(c.item().key));
  }
  return ids;
}

}  // namespace dvol::dm
