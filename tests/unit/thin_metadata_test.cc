// dvol's own reader of dm-thin metadata and the delta of two thin devices, on metadata built in
// memory block by block (tests/support/synthetic_thin_metadata.h: valid superblocks and btree
// nodes with the kernel's checksums), so every shape, sharing pattern and corruption can be made
// on purpose.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "dm/thin_delta.h"
#include "dm/thin_metadata.h"
#include "tests/support/synthetic_thin_metadata.h"
#include "tests/unit/expect_error.h"

namespace dvol::dm {

// Readable failures (found by argument-dependent lookup, so outside the anonymous namespace).
void PrintTo(const DeltaRange& r, std::ostream* os);
void PrintTo(const DeltaRange& r, std::ostream* os) {
  const char* kinds[] = {"different", "left_only", "right_only"};
  *os << kinds[static_cast<int>(r.kind)] << " " << r.begin << "+" << r.length;
}

namespace {

using testing::dense;
using testing::mapping;
using testing::put32;
using testing::put64;
using testing::thrown_error;
using Builder = testing::SyntheticThinMetadata;
using Map = testing::BlockMap;  // virtual block -> data block
using testing::brute_force_delta;
using testing::brute_force_mapped;

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
  EXPECT_EQ(thin_delta(md, ThinId(0), ThinId(1)), brute_force_delta(l, r));
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
    auto want = brute_force_delta(l, r);
    EXPECT_EQ(thin_delta(md, ThinId(0), ThinId(1)), want) << "round " << round;
    EXPECT_EQ(thin_delta(md, ThinId(0), ThinId(2)), want) << "round " << round;
    EXPECT_EQ(thin_delta(md, ThinId(2), ThinId(1)), std::vector<DeltaRange>{}) << "round " << round;
    EXPECT_EQ(thin_delta_mapped(md, ThinId(0), ThinId(1)), brute_force_mapped(l, r)) << "round " << round;
    EXPECT_EQ(thin_delta_mapped(md, ThinId(2), ThinId(0)), brute_force_mapped(r, l)) << "round " << round;
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
