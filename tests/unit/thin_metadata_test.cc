// dvol's own reader of dm-thin metadata and the delta of two thin devices, on metadata built in
// memory block by block (valid superblocks and btree nodes with the kernel's checksums), so
// every shape, sharing pattern and corruption can be made on purpose. Past 400 lines because
// the metadata builder lives here, with the only tests that use it.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "dm/thin_delta.h"
#include "dm/thin_metadata.h"
#include "tests/unit/expect_error.h"

namespace dvol::dm {

// Readable failures (found by argument-dependent lookup, so outside the anonymous namespace).
void PrintTo(const DeltaRange& r, std::ostream* os);
void PrintTo(const DeltaRange& r, std::ostream* os) {
  const char* kinds[] = {"different", "left_only", "right_only"};
  *os << kinds[static_cast<int>(r.kind)] << " " << r.begin << "+" << r.length;
}

namespace {

using testing::thrown_error;
using Block = std::array<std::byte, kMetadataBlockSize>;
using Map = std::map<uint64_t, uint64_t>;  // virtual block -> data block

class FakeSource : public MetadataSource {
 public:
  std::map<uint64_t, Block> blocks;
  uint64_t size = 100000;
  void read_block(uint64_t b, MetadataBlockSpan out) override {
    auto it = blocks.find(b);
    if (it == blocks.end()) std::memset(out.data(), 0, out.size());  // a never-written block reads as zeros
    else std::memcpy(out.data(), it->second.data(), out.size());
  }
  uint64_t nr_blocks() const override { return size; }
};

void put32(Block& b, size_t off, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[off + i] = std::byte(v >> (8 * i));
}
void put64(Block& b, size_t off, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) b[off + i] = std::byte(v >> (8 * i));
}

// What a node holds, kept by the builder so it can copy-on-write like the kernel.
struct Spec {
  bool leaf = true;
  std::vector<uint64_t> keys, values;
  uint32_t value_size = 8;
};

// Writes metadata the way the kernel lays it out. Every write seals the block's checksum;
// tests corrupt blocks afterwards through raw() and reseal() where a check beyond the checksum
// is meant to fire.
class Builder {
 public:
  FakeSource src;
  std::map<uint64_t, Spec> specs;
  uint64_t next = 1;

  Block& raw(uint64_t b) { return src.blocks[b]; }
  void reseal_node(uint64_t b) { put32(raw(b), 0, metadata_checksum(std::span(raw(b)).subspan(4), kBtreeCsumXor)); }

  uint64_t node(const Spec& s, std::optional<uint32_t> max_entries = {}) {
    uint64_t at = next++;
    specs[at] = s;
    Block& b = raw(at);
    b.fill(std::byte{0});
    uint32_t max = max_entries.value_or((kMetadataBlockSize - 32) / (8 + s.value_size) / 3 * 3);
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
  uint64_t tree(const Map& m, size_t fanout, bool loose = false) {
    if (m.empty()) return node(Spec{true, {}, {}});
    std::vector<std::pair<uint64_t, uint64_t>> level;  // (lowest key, block)
    std::vector<uint64_t> last_keys;
    Spec leaf;
    for (auto it = m.begin(); it != m.end(); ++it) {
      leaf.keys.push_back(it->first);
      leaf.values.push_back(it->second);
      if (leaf.keys.size() == fanout || std::next(it) == m.end()) {
        level.emplace_back(leaf.keys.front(), node(leaf));
        last_keys.push_back(leaf.keys.back());
        leaf = Spec{};
      }
    }
    while (level.size() > 1) {
      std::vector<std::pair<uint64_t, uint64_t>> up;
      std::vector<uint64_t> up_last;
      Spec in{false, {}, {}};
      for (size_t i = 0; i < level.size(); ++i) {
        uint64_t key = level[i].first;
        if (loose && i > 0) key = last_keys[i - 1] + 1;
        in.keys.push_back(key);
        in.values.push_back(level[i].second);
        if (in.keys.size() == fanout || i + 1 == level.size()) {
          up.emplace_back(in.keys.front(), node(in));
          up_last.push_back(last_keys[i]);
          in = Spec{false, {}, {}};
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
    Spec s = specs.at(root);
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

  // A pool whose thin device i has mapping root roots[i]; returns the superblock's block.
  uint64_t pool(const std::vector<uint64_t>& roots, size_t top_fanout = 252) {
    Map top, details;
    for (size_t i = 0; i < roots.size(); ++i) top[i] = roots[i];
    uint64_t top_root = tree(top, top_fanout);
    // Details for the first 100 devices only: one leaf of 24-byte values holds 126.
    Spec d{true, {}, {}, kDeviceDetailsSize};
    for (size_t i = 0; i < std::min<size_t>(roots.size(), 100); ++i) d.keys.push_back(i);
    uint64_t details_root = node(d);
    for (size_t i = 0; i < d.keys.size(); ++i) put64(raw(details_root), 32 + 8 * 126 + 24 * i, 1000 + i);
    reseal_node(details_root);
    return superblock(0, top_root, details_root);
  }

  uint64_t superblock(uint64_t at, uint64_t mapping_root, uint64_t details_root) {
    Block& b = raw(at);
    b.fill(std::byte{0});
    put64(b, 8, at);
    put64(b, 32, kThinSuperblockMagic);
    put32(b, 40, 2);
    put64(b, 48, 7);
    put64(b, 320, mapping_root);
    put64(b, 328, details_root);
    put32(b, 336, 128);
    put32(b, 340, 8);
    put64(b, 344, src.size);
    reseal_superblock(at);
    return at;
  }
  void reseal_superblock(uint64_t at) {
    put32(raw(at), 0, metadata_checksum(std::span(raw(at)).subspan(4), kSuperblockCsumXor));
  }
};

// The delta by brute force, as the reference.
std::vector<DeltaRange> expected_delta(const Map& l, const Map& r) {
  std::map<uint64_t, DeltaKind> kinds;
  for (auto [k, v] : l) {
    auto it = r.find(k);
    if (it == r.end()) kinds[k] = DeltaKind::LeftOnly;
    else if (it->second >> 24 != v >> 24) kinds[k] = DeltaKind::Different;
  }
  for (auto [k, v] : r)
    if (!l.count(k)) kinds[k] = DeltaKind::RightOnly;
  std::vector<DeltaRange> out;
  for (auto [k, kind] : kinds) {
    if (!out.empty() && out.back().kind == kind && out.back().begin + out.back().length == k) ++out.back().length;
    else out.push_back({k, 1, kind});
  }
  return out;
}

uint64_t mapping(uint64_t data_block, uint32_t time = 0) { return data_block << 24 | time; }

// The brute-force mapped delta: each differing block with its data blocks, runs merged while
// both sides stay contiguous.
std::vector<MappedDelta> expected_mapped(const Map& l, const Map& r) {
  std::vector<MappedDelta> out;
  for (const auto& d : expected_delta(l, r)) {
    for (uint64_t k = d.begin; k < d.begin + d.length; ++k) {
      MappedDelta m{k, 1, std::nullopt, std::nullopt};
      if (l.count(k)) m.left_data = l.at(k) >> 24;
      if (r.count(k)) m.right_data = r.at(k) >> 24;
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

Map dense(uint64_t n, uint64_t data_base) {
  Map m;
  for (uint64_t k = 0; k < n; ++k) m[k] = mapping(data_base + k);
  return m;
}

TEST(ThinMetadataChecksum, IsTheKernelsUninvertedCrc32c) {
  // Given the standard crc32c check string, then the kernel's form is the standard value
  // (0xE3069283) without the final inversion, xored with the block type's constant.
  const char* s = "123456789";
  auto bytes = std::as_bytes(std::span(s, 9));
  EXPECT_EQ(metadata_checksum(bytes, 0), ~0xE3069283u);
  EXPECT_EQ(metadata_checksum(bytes, kBtreeCsumXor), ~0xE3069283u ^ kBtreeCsumXor);
}

TEST(ThinMetadata, ReadsTheSuperblockFields) {
  // Given a pool with two devices, when its superblock is read, then the roots, block size and
  // devices are what was written.
  Builder b;
  uint64_t r0 = b.tree(dense(5, 100), 252), r1 = b.tree(dense(3, 200), 252);
  b.pool({r0, r1});
  ThinMetadata md(b.src, 0);
  EXPECT_EQ(md.data_block_size().value, 128u);
  EXPECT_EQ(md.superblock().transaction_id, 7u);
  EXPECT_EQ(md.device_root(ThinId(0)), r0);
  EXPECT_EQ(md.device_root(ThinId(1)), r1);
  EXPECT_EQ(md.device_root(ThinId(2)), std::nullopt);
  EXPECT_EQ(md.thin_ids(), (std::vector<ThinId>{ThinId(0), ThinId(1)}));
  EXPECT_EQ(md.device_details(ThinId(1))->mapped_blocks, 1001u);
  EXPECT_EQ(md.device_details(ThinId(5)), std::nullopt);
}

TEST(ThinMetadata, RefusesABadSuperblock) {
  // Given a valid superblock, when one byte, the magic, or its location changes, then reading
  // it is Corruption; an unknown incompat feature is Unsupported.
  Builder b;
  b.pool({b.tree(dense(1, 1), 252)});
  b.raw(0)[100] ^= std::byte{1};
  EXPECT_EQ(thrown_error([&] { ThinMetadata(b.src, 0); }).code(), Code::Corruption);
  b.raw(0)[100] ^= std::byte{1};
  put64(b.raw(0), 32, 12345);
  b.reseal_superblock(0);
  EXPECT_EQ(thrown_error([&] { ThinMetadata(b.src, 0); }).code(), Code::Corruption);
  put64(b.raw(0), 32, kThinSuperblockMagic);
  b.reseal_superblock(0);
  b.raw(9) = b.raw(0);  // a copy elsewhere still names block 0
  EXPECT_EQ(thrown_error([&] { ThinMetadata(b.src, 9); }).code(), Code::Corruption);
  put32(b.raw(0), 360, 1);
  b.reseal_superblock(0);
  EXPECT_EQ(thrown_error([&] { ThinMetadata(b.src, 0); }).code(), Code::Unsupported);
}

TEST(ThinMetadata, FindsDevicesInAMultiLevelTopTree) {
  // Given 300 devices in a top-level tree of 3 levels, then each is found and an absent id is not.
  Builder b;
  std::vector<uint64_t> roots;
  uint64_t empty = b.tree({}, 252);
  for (int i = 0; i < 300; ++i) roots.push_back(empty);
  b.pool(roots, 7);
  ThinMetadata md(b.src, 0);
  for (uint32_t i = 0; i < 300; ++i) EXPECT_EQ(md.device_root(ThinId(i)), empty);
  EXPECT_EQ(md.device_root(ThinId(300)), std::nullopt);
  EXPECT_EQ(md.thin_ids().size(), 300u);
}

TEST(ThinDelta, IdenticalRootsAreEmptyWithoutReadingTheTree) {
  // Given a snapshot that shares its origin's root, then the delta is empty and no mapping
  // node was read: the one shared subtree (the root) was skipped.
  Builder b;
  uint64_t r = b.tree(dense(2000, 0), 13);
  b.pool({r, r});
  ThinMetadata md(b.src, 0);
  DeltaStats st;
  EXPECT_TRUE(thin_delta(md, ThinId(0), ThinId(1), &st).empty());
  EXPECT_EQ(st.nodes_read, 0u);
  EXPECT_EQ(st.subtrees_skipped, 1u);
  EXPECT_EQ(mapped_ranges(md, ThinId(0)), (std::vector<BlockRange>{{0, 2000}}));
}

TEST(ThinDelta, OneChangedBlockInADeepTreeReadsOnlyItsPaths) {
  // Given a 3-level tree of 2000 blocks and a copy-on-write change of block 777, then the
  // delta is exactly that block and reads only the two changed paths (6 nodes), not 170.
  Builder b;
  uint64_t origin = b.tree(dense(2000, 0), 13);
  uint64_t snap = b.cow_set(origin, 777, mapping(99999));
  b.pool({origin, snap});
  ThinMetadata md(b.src, 0);
  DeltaStats st;
  auto d = thin_delta(md, ThinId(0), ThinId(1), &st);
  EXPECT_EQ(d, (std::vector<DeltaRange>{{777, 1, DeltaKind::Different}}));
  EXPECT_LE(st.nodes_read, 6u);
  EXPECT_GE(st.subtrees_skipped, 2u);
}

TEST(ThinDelta, MergesAdjacentBlocksOfOneKindAndIgnoresMappingTime) {
  // Given two unshared trees: same blocks (one remapped at a later time), different blocks,
  // and blocks on one side only, then the ranges are sorted, merged per kind, and the blocks
  // mapped to the same data block are absent.
  Map l, r;
  for (uint64_t k = 0; k < 10; ++k) l[k] = r[k] = mapping(k);
  r[3] = mapping(3, 5);  // same data block, new time: not a difference
  for (uint64_t k = 10; k < 14; ++k) l[k] = mapping(k), r[k] = mapping(k + 50);
  for (uint64_t k = 14; k < 16; ++k) l[k] = mapping(k);
  for (uint64_t k = 16; k < 19; ++k) r[k] = mapping(k);
  l[30] = mapping(1);
  r[31] = mapping(2);
  Builder b;
  b.pool({b.tree(l, 4), b.tree(r, 5)});
  ThinMetadata md(b.src, 0);
  std::vector<DeltaRange> want{{10, 4, DeltaKind::Different},
                               {14, 2, DeltaKind::LeftOnly},
                               {16, 3, DeltaKind::RightOnly},
                               {30, 1, DeltaKind::LeftOnly},
                               {31, 1, DeltaKind::RightOnly}};
  EXPECT_EQ(thin_delta(md, ThinId(0), ThinId(1)), want);
  EXPECT_EQ(thin_delta(md, ThinId(0), ThinId(1)), expected_delta(l, r));
}

TEST(ThinDeltaMapped, GivesEachSidesDataBlocksAndSplitsRunsWhereTheyJump) {
  // Given blocks 0-3 remapped to data 100-103 except block 2 (to 200), block 5 on the left
  // only and 6-7 on the right only, then the runs carry each side's first data block and are
  // split wherever a side's data blocks stop following each other.
  Map l = dense(6, 0), r = dense(5, 0);
  r[0] = mapping(100), r[1] = mapping(101), r[2] = mapping(200), r[3] = mapping(103);
  r[6] = mapping(50), r[7] = mapping(51);
  Builder b;
  b.pool({b.tree(l, 4), b.tree(r, 5)});
  ThinMetadata md(b.src, 0);
  std::vector<MappedDelta> want{{0, 2, 0, 100}, {2, 1, 2, 200}, {3, 1, 3, 103},
                                {5, 1, 5, std::nullopt}, {6, 2, std::nullopt, 50}};
  EXPECT_EQ(thin_delta_mapped(md, ThinId(0), ThinId(1)), want);
}

TEST(ThinDelta, MatchesBruteForceOnRandomSharedAndUnsharedTrees) {
  // Given random devices and snapshots changed by copy-on-write, and the same maps rebuilt as
  // unshared trees of other shapes with loose separators, then every delta equals the brute
  // force comparison of the two maps.
  std::mt19937 gen(42);
  for (int round = 0; round < 40; ++round) {
    Builder b;
    Map l;
    uint64_t span = 50 + gen() % 3000;
    for (uint64_t k = 0; k < span; ++k)
      if (gen() % 3) l[k] = mapping(gen() % 100000);
    size_t fanout = 3 + gen() % 30;
    uint64_t lroot = b.tree(l, fanout, round % 2), rroot = lroot;
    Map r = l;
    int changes = static_cast<int>(gen() % 40);
    for (int c = 0; c < changes; ++c) {
      uint64_t k = gen() % (span + 20), v = mapping(gen() % 100000);
      r[k] = v;
      rroot = b.cow_set(rroot, k, v);
    }
    uint64_t unshared = b.tree(r, 3 + gen() % 30, true);
    b.pool({lroot, rroot, unshared});
    ThinMetadata md(b.src, 0);
    auto want = expected_delta(l, r);
    EXPECT_EQ(thin_delta(md, ThinId(0), ThinId(1)), want) << "round " << round;
    EXPECT_EQ(thin_delta(md, ThinId(0), ThinId(2)), want) << "round " << round;
    EXPECT_EQ(thin_delta(md, ThinId(2), ThinId(1)), std::vector<DeltaRange>{}) << "round " << round;
    EXPECT_EQ(thin_delta_mapped(md, ThinId(0), ThinId(1)), expected_mapped(l, r)) << "round " << round;
    EXPECT_EQ(thin_delta_mapped(md, ThinId(2), ThinId(0)), expected_mapped(r, l)) << "round " << round;
  }
}

TEST(ThinDelta, AnAbsentDeviceIsNotFound) {
  Builder b;
  b.pool({b.tree(dense(3, 0), 252)});
  ThinMetadata md(b.src, 0);
  EXPECT_EQ(thrown_error([&] { thin_delta(md, ThinId(0), ThinId(4)); }).code(), Code::NotFound);
}

// A pool of two unshared 3-level trees; returns the builder, for a test to corrupt a node of.
struct CorruptFixture {
  Builder b;
  uint64_t root;
  explicit CorruptFixture(uint64_t blocks = 500) {
    root = b.tree(dense(blocks, 0), 8);
    b.pool({root, b.tree(dense(blocks, 1000), 9)});
  }
  Code delta_error() {
    return thrown_error([&] {
             ThinMetadata md(b.src, 0);
             thin_delta(md, ThinId(0), ThinId(1));
           }).code();
  }
};

TEST(ThinDeltaCorruption, BadChecksumIsCorruption) {
  CorruptFixture f;
  f.b.raw(f.root)[2000] ^= std::byte{0x10};
  EXPECT_EQ(f.delta_error(), Code::Corruption);
}

TEST(ThinDeltaCorruption, MoreEntriesThanRoomIsCorruption) {
  CorruptFixture f;
  put32(f.b.raw(f.root), 16, 300);
  f.b.reseal_node(f.root);
  EXPECT_EQ(f.delta_error(), Code::Corruption);
  put32(f.b.raw(f.root), 20, 2000);  // max_entries that overflow the block
  f.b.reseal_node(f.root);
  EXPECT_EQ(f.delta_error(), Code::Corruption);
}

TEST(ThinDeltaCorruption, AChildPointingAtAnAncestorIsCorruptionNotALoop) {
  // Given a middle node whose first child is the root itself, then the walk stops with
  // Corruption instead of looping.
  CorruptFixture f;
  uint64_t mid = f.b.specs.at(f.root).values[0];
  put64(f.b.raw(mid), 32 + 8 * 252, f.root);
  f.b.reseal_node(mid);
  EXPECT_EQ(f.delta_error(), Code::Corruption);
}

TEST(ThinDeltaCorruption, UnsortedKeysAreCorruption) {
  CorruptFixture f;
  uint64_t mid = f.b.specs.at(f.root).values[0];
  uint64_t leaf = f.b.specs.at(mid).values[0];
  put64(f.b.raw(leaf), 32 + 8, 0);  // keys 0, 0, 2, ...
  f.b.reseal_node(leaf);
  EXPECT_EQ(f.delta_error(), Code::Corruption);
}

TEST(ThinDeltaCorruption, RandomDamageNeverCrashesOrHangs) {
  // Given valid metadata, when random bytes of random nodes are changed and the checksums
  // resealed (so the structural checks, not the checksum, must catch it), then each delta
  // either succeeds or throws Corruption (or NotFound).
  std::mt19937 gen(7);
  for (int i = 0; i < 1000; ++i) {
    CorruptFixture f(100);
    std::vector<uint64_t> nodes;
    for (auto& [at, spec] : f.b.specs) nodes.push_back(at);
    uint64_t victim = nodes[gen() % nodes.size()];
    for (int n = 1 + static_cast<int>(gen() % 4); n > 0; --n) {
      size_t off = 4 + gen() % (i % 2 ? 60 : kMetadataBlockSize - 4);  // half aim at the header and first keys
      f.b.raw(victim)[off] = std::byte(gen());
    }
    f.b.reseal_node(victim);
    try {
      ThinMetadata md(f.b.src, 0);
      thin_delta(md, ThinId(0), ThinId(1));
      mapped_ranges(md, ThinId(0));
    } catch (const Error& e) {
      // NotFound: damage to the top-level tree can drop a device while leaving a valid tree.
      ASSERT_TRUE(e.code() == Code::Corruption || e.code() == Code::NotFound) << e.what();
    }
  }
}

}  // namespace
}  // namespace dvol::dm
