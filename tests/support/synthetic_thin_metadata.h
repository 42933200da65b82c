// Synthetic dm-thin metadata for tests: valid superblocks and btree nodes laid out as the kernel
// writes them (with its checksums), built in memory block by block, so that every tree shape,
// sharing pattern and corruption can be made on purpose. Used by tests/unit/thin_metadata_test.cc
// and, to write its seeds, by tests/fuzz/thin_metadata_fuzz.cc.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "dm/thin_delta.h"
#include "dm/thin_metadata.h"

namespace dvol::testing {

using MetadataBlock = std::array<std::byte, dm::kMetadataBlockSize>;
using BlockMap = std::map<uint64_t, uint64_t>;  // btree key -> value (virtual block -> mapping)

inline void put32(MetadataBlock& b, size_t off, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[off + i] = std::byte(v >> (8 * i));
}
inline void put64(MetadataBlock& b, size_t off, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) b[off + i] = std::byte(v >> (8 * i));
}
// Writes the block's checksum; xor_value is kSuperblockCsumXor or kBtreeCsumXor.
inline void seal(MetadataBlock& b, uint32_t xor_value) {
  put32(b, 0, dm::metadata_checksum(std::span(b).subspan(4), xor_value));
}

// A mapping tree's value: the data block and the time it was mapped at.
inline uint64_t mapping(uint64_t data_block, uint32_t time = 0) { return data_block << 24 | time; }

// Blocks 0..n-1 mapped to data blocks data_base...
inline BlockMap dense(uint64_t n, uint64_t data_base) {
  BlockMap m;
  for (uint64_t k = 0; k < n; ++k) m[k] = mapping(data_base + k);
  return m;
}

// Metadata blocks in memory; a block never written reads as zeros.
class SparseMetadataSource : public dm::MetadataSource {
 public:
  std::map<uint64_t, MetadataBlock> blocks;
  uint64_t size = 100000;
  void read_block(uint64_t b, dm::MetadataBlockSpan out) override {
    auto it = blocks.find(b);
    if (it == blocks.end()) std::memset(out.data(), 0, out.size());
    else std::memcpy(out.data(), it->second.data(), out.size());
  }
  uint64_t nr_blocks() const override { return size; }
};

// What a btree node holds, kept by the builder so it can copy-on-write like the kernel.
struct NodeSpec {
  bool leaf = true;
  std::vector<uint64_t> keys, values;
  uint32_t value_size = 8;
};

// Writes metadata the way the kernel lays it out: nodes from block 1 on, one new block per write,
// each sealed with its checksum. Tests corrupt blocks afterwards through raw() and reseal where a
// check beyond the checksum is meant to fire.
class SyntheticThinMetadata {
 public:
  SparseMetadataSource src;
  std::map<uint64_t, NodeSpec> specs;
  uint64_t next = 1;

  // Nodes get the max_entries the kernel gives a node of `node_bytes`: the block size, or less
  // for small nodes (512 bytes: 30 entries of 8 bytes, 15 of 24).
  explicit SyntheticThinMetadata(size_t node_bytes = dm::kMetadataBlockSize) : node_bytes_(node_bytes) {}

  MetadataBlock& raw(uint64_t b) { return src.blocks[b]; }
  void reseal_node(uint64_t b) { seal(raw(b), dm::kBtreeCsumXor); }
  void reseal_superblock(uint64_t b) { seal(raw(b), dm::kSuperblockCsumXor); }
  // One past the highest block written.
  uint64_t size() const { return src.blocks.empty() ? 0 : src.blocks.rbegin()->first + 1; }
  uint32_t max_entries(uint32_t value_size) const {
    return static_cast<uint32_t>((node_bytes_ - 32) / (8 + value_size) / 3 * 3);
  }

  uint64_t node(const NodeSpec& s, std::optional<uint32_t> max_entries_override = {}) {
    uint64_t at = next++;
    specs[at] = s;
    MetadataBlock& b = raw(at);
    b.fill(std::byte{0});
    uint32_t max = max_entries_override.value_or(max_entries(s.value_size));
    put32(b, 4, s.leaf ? 2 : 1);
    put64(b, 8, at);
    put32(b, 16, static_cast<uint32_t>(s.keys.size()));
    put32(b, 20, max);
    put32(b, 24, s.value_size);
    for (size_t i = 0; i < s.keys.size(); ++i) put64(b, 32 + 8 * i, s.keys[i]);
    if (s.value_size == 8)
      for (size_t i = 0; i < s.values.size(); ++i) put64(b, 32 + 8 * max + 8 * i, s.values[i]);
    reseal_node(at);
    return at;
  }

  // A btree over `m` with `fanout` entries per node. With `loose`, separators are as low as
  // the format allows (just above the previous child's last key), as the kernel leaves them
  // after removals.
  uint64_t tree(const BlockMap& m, size_t fanout, bool loose = false) {
    if (m.empty()) return node(NodeSpec{});
    std::vector<std::pair<uint64_t, uint64_t>> level;  // (lowest key, block)
    std::vector<uint64_t> last_keys;
    NodeSpec leaf;
    for (auto it = m.begin(); it != m.end(); ++it) {
      leaf.keys.push_back(it->first);
      leaf.values.push_back(it->second);
      if (leaf.keys.size() == fanout || std::next(it) == m.end()) {
        level.emplace_back(leaf.keys.front(), node(leaf));
        last_keys.push_back(leaf.keys.back());
        leaf = NodeSpec{};
      }
    }
    while (level.size() > 1) {
      std::vector<std::pair<uint64_t, uint64_t>> up;
      std::vector<uint64_t> up_last;
      NodeSpec in{false, {}, {}};
      for (size_t i = 0; i < level.size(); ++i) {
        uint64_t key = level[i].first;
        if (loose && i > 0) key = last_keys[i - 1] + 1;
        in.keys.push_back(key);
        in.values.push_back(level[i].second);
        if (in.keys.size() == fanout || i + 1 == level.size()) {
          up.emplace_back(in.keys.front(), node(in));
          up_last.push_back(last_keys[i]);
          in = NodeSpec{false, {}, {}};
        }
      }
      level = std::move(up);
      last_keys = std::move(up_last);
    }
    return level[0].second;
  }

  // Copy-on-write set of one key, as the kernel's btree insert does: a new node on every level
  // of the path, every other subtree shared with the old root.
  uint64_t cow_set(uint64_t root, uint64_t key, uint64_t value) {
    NodeSpec s = specs.at(root);
    auto it = std::upper_bound(s.keys.begin(), s.keys.end(), key);
    size_t i = it == s.keys.begin() ? 0 : static_cast<size_t>(it - s.keys.begin()) - 1;
    if (s.leaf) {
      if (!s.keys.empty() && s.keys[i] == key) {
        s.values[i] = value;
      } else {
        auto pos = std::lower_bound(s.keys.begin(), s.keys.end(), key) - s.keys.begin();
        s.keys.insert(s.keys.begin() + pos, key);
        s.values.insert(s.values.begin() + pos, value);
      }
    } else {
      s.values[i] = cow_set(s.values[i], key, value);
      s.keys[i] = std::min(s.keys[i], key);  // a new lowest key lowers the separator
    }
    return node(s);
  }

  // A pool whose thin device i has mapping root roots[i]: the top-level tree, one leaf of device
  // details (for as many devices as it holds: mapped_blocks 1000 + i, transaction id 7), and the
  // superblock at block 0, which it returns.
  uint64_t pool(const std::vector<uint64_t>& roots, size_t top_fanout = 252) {
    BlockMap top;
    for (size_t i = 0; i < roots.size(); ++i) top[i] = roots[i];
    uint64_t top_root = tree(top, top_fanout);
    NodeSpec d{true, {}, {}, dm::kDeviceDetailsSize};
    uint32_t max = max_entries(d.value_size);
    for (size_t i = 0; i < std::min<size_t>(roots.size(), max); ++i) d.keys.push_back(i);
    uint64_t details_root = node(d);
    for (size_t i = 0; i < d.keys.size(); ++i) {
      put64(raw(details_root), 32 + 8 * max + 24 * i, 1000 + i);  // mapped_blocks
      put64(raw(details_root), 32 + 8 * max + 24 * i + 8, 7);     // transaction_id
    }
    reseal_node(details_root);
    return superblock(0, top_root, details_root);
  }

  // A superblock at `at` (block 0, or a held metadata snapshot's root) naming the two trees.
  uint64_t superblock(uint64_t at, uint64_t mapping_root, uint64_t details_root) {
    MetadataBlock& b = raw(at);
    b.fill(std::byte{0});
    put64(b, 8, at);
    put64(b, 32, dm::kThinSuperblockMagic);
    put32(b, 40, 2);    // version
    put32(b, 44, 3);    // time
    put64(b, 48, 7);    // transaction id
    put64(b, 320, mapping_root);
    put64(b, 328, details_root);
    put32(b, 336, 128);  // data block size, in sectors
    put32(b, 340, 8);    // metadata block size, in sectors
    put64(b, 344, size());
    reseal_superblock(at);
    return at;
  }

 private:
  size_t node_bytes_;
};

// The delta of two mappings by brute force, the reference the reader's delta must equal:
// keys on one side only, or mapped to different data blocks, merged into runs of one kind.
inline std::vector<dm::DeltaRange> brute_force_delta(const BlockMap& l, const BlockMap& r) {
  std::map<uint64_t, dm::DeltaKind> kinds;
  for (auto [k, v] : l) {
    auto it = r.find(k);
    if (it == r.end()) kinds[k] = dm::DeltaKind::LeftOnly;
    else if (dm::unpack_block_time(it->second).data_block != dm::unpack_block_time(v).data_block)
      kinds[k] = dm::DeltaKind::Different;
  }
  for (auto [k, v] : r)
    if (!l.count(k)) kinds[k] = dm::DeltaKind::RightOnly;
  std::vector<dm::DeltaRange> out;
  for (auto [k, kind] : kinds) {
    if (!out.empty() && out.back().kind == kind && out.back().begin + out.back().length == k) ++out.back().length;
    else out.push_back({k, 1, kind});
  }
  return out;
}

// thin_delta_mapped's reference: each differing block with its data blocks, runs merged while
// both sides stay contiguous.
inline std::vector<dm::MappedDelta> brute_force_mapped(const BlockMap& l, const BlockMap& r) {
  std::vector<dm::MappedDelta> out;
  for (const auto& d : brute_force_delta(l, r)) {
    for (uint64_t k = d.begin; k < d.begin + d.length; ++k) {
      dm::MappedDelta m{k, 1, std::nullopt, std::nullopt};
      if (l.count(k)) m.left_data = dm::unpack_block_time(l.at(k)).data_block;
      if (r.count(k)) m.right_data = dm::unpack_block_time(r.at(k)).data_block;
      auto follows = [&](const std::optional<uint64_t>& a, const std::optional<uint64_t>& b) {
        return a.has_value() == b.has_value() && (!a || *a + out.back().length == *b);
      };
      if (!out.empty() && out.back().begin + out.back().length == k && follows(out.back().left_data, m.left_data) &&
          follows(out.back().right_data, m.right_data))
        ++out.back().length;
      else
        out.push_back(m);
    }
  }
  return out;
}

}  // namespace dvol::testing
