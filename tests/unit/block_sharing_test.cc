// Who maps each data block (dm/block_sharing.h), on synthetic metadata built like the kernel
// builds it (snapshots share their origin's tree; writes copy the path they change), against
// brute force over every device's whole mapping.
#include "dm/block_sharing.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "tests/support/synthetic_thin_metadata.h"
#include "tests/unit/expect_error.h"

namespace dvol::dm {
namespace {

using testing::dense;
using testing::mapping;
using Builder = testing::SyntheticThinMetadata;
using Map = testing::BlockMap;

// Brute force: for each data block, which devices map it.
std::map<uint64_t, std::set<uint32_t>> owners(const std::vector<Map>& maps) {
  std::map<uint64_t, std::set<uint32_t>> out;
  for (uint32_t d = 0; d < maps.size(); ++d)
    for (auto [k, v] : maps[d]) out[unpack_block_time(v).data_block].insert(d);
  return out;
}

uint64_t freed_by_brute_force(const std::vector<Map>& maps, const std::set<uint32_t>& deleted) {
  uint64_t n = 0;
  for (const auto& [block, devices] : owners(maps))
    if (std::includes(deleted.begin(), deleted.end(), devices.begin(), devices.end())) ++n;
  return n;
}

std::vector<ThinId> ids(size_t n) {
  std::vector<ThinId> out;
  for (uint32_t i = 0; i < n; ++i) out.emplace_back(i);
  return out;
}

TEST(BlockSharing, ASnapshotSharesEverythingUntilWritten) {
  // Given a device of 1000 blocks and a snapshot of it, both reference 1000 and neither has an
  // exclusive block; after 3 writes to the origin, each has 3 blocks of its own.
  Builder b;
  uint64_t origin = b.tree(dense(1000, 100), 252);
  b.pool({origin, origin});
  ThinMetadata md(b.src, 0);
  auto s = BlockSharing::read(md, ids(2));
  EXPECT_EQ(s.referenced(ThinId(0)), 1000u);
  EXPECT_EQ(s.referenced(ThinId(1)), 1000u);
  EXPECT_EQ(s.exclusive(ThinId(0)), 0u);
  EXPECT_EQ(s.freed_by_deleting({ThinId(0), ThinId(1)}), 1000u);

  Builder c;
  uint64_t base = c.tree(dense(1000, 100), 252);
  uint64_t written = base;
  for (uint64_t k : {5, 500, 999}) written = c.cow_set(written, k, mapping(5000 + k));
  c.pool({written, base});
  ThinMetadata md2(c.src, 0);
  auto t = BlockSharing::read(md2, ids(2));
  EXPECT_EQ(t.exclusive(ThinId(0)), 3u);
  EXPECT_EQ(t.exclusive(ThinId(1)), 3u);
  EXPECT_EQ(t.mapped(), 1003u);
  EXPECT_LT(t.nodes_read(), 20u) << "the shared leaves are read once";
}

TEST(BlockSharing, DeletingOneOfTwoSharersFreesNothingAndMakesTheOtherExclusive) {
  // A block two commits share is freed only when both go: the dry run of deleting one says 0.
  Builder b;
  uint64_t base = b.tree(dense(10, 100), 252);
  uint64_t changed = b.cow_set(base, 3, mapping(900));
  b.pool({changed, base, base});  // live, and two commits of the same data
  ThinMetadata md(b.src, 0);
  auto s = BlockSharing::read(md, ids(3));
  EXPECT_EQ(s.exclusive(ThinId(1)), 0u);
  EXPECT_EQ(s.freed_by_deleting({ThinId(1)}), 0u);
  EXPECT_EQ(s.freed_by_deleting({ThinId(1), ThinId(2)}), 1u) << "block 103, which only they map";
  EXPECT_EQ(s.exclusive(ThinId(0)), 1u);
}

TEST(BlockSharing, RandomHistoriesAgreeWithBruteForce) {
  // Random histories over a small node size (deep trees, many shared subtrees): devices made
  // by snapshotting random others and written at random keys; referenced, exclusive and the
  // blocks freed by deleting random sets agree with brute force over the whole mappings.
  std::mt19937_64 rng(20261207);
  for (int round = 0; round < 30; ++round) {
    Builder b(512);
    const uint64_t n = 200 + rng() % 300;
    std::vector<Map> maps{dense(n, 1000)};
    std::vector<uint64_t> roots{b.tree(maps[0], 30)};
    uint64_t next_data = 100000;
    int devices = 2 + static_cast<int>(rng() % 12);
    while (static_cast<int>(roots.size()) < devices) {
      size_t from = rng() % roots.size();
      maps.push_back(maps[from]);
      roots.push_back(roots[from]);
      size_t writer = rng() % roots.size();  // snapshots of snapshots, writes anywhere
      for (int w = static_cast<int>(rng() % 40); w > 0; --w) {
        uint64_t key = rng() % n, value = mapping(next_data++);  // in place: no node splits
        maps[writer][key] = value;
        roots[writer] = b.cow_set(roots[writer], key, value);
      }
    }
    b.pool(roots);
    ThinMetadata md(b.src, 0);
    auto s = BlockSharing::read(md, ids(roots.size()));
    for (uint32_t d = 0; d < roots.size(); ++d) {
      EXPECT_EQ(s.referenced(ThinId(d)), maps[d].size()) << "round " << round << " device " << d;
      EXPECT_EQ(s.exclusive(ThinId(d)), freed_by_brute_force(maps, {d})) << "round " << round << " device " << d;
    }
    for (int trial = 0; trial < 10; ++trial) {
      std::set<uint32_t> deleted;
      std::vector<ThinId> as_ids;
      for (uint32_t d = 0; d < roots.size(); ++d)
        if (rng() % 3 == 0) {
          deleted.insert(d);
          as_ids.emplace_back(d);
        }
      EXPECT_EQ(s.freed_by_deleting(as_ids), freed_by_brute_force(maps, deleted)) << "round " << round;
    }
    EXPECT_EQ(s.mapped(), owners(maps).size());
  }
}

TEST(BlockSharing, RefusesAMissingDeviceAndACycle) {
  Builder b;
  uint64_t root = b.tree(dense(600, 100), 252);
  b.pool({root});
  ThinMetadata md(b.src, 0);
  EXPECT_EQ(testing::thrown_error([&] { (void)BlockSharing::read(md, {ThinId(7)}); }).code(), Code::NotFound);

  // An internal node that names itself as a child.
  ASSERT_FALSE(b.specs.at(root).leaf);
  auto spec = b.specs.at(root);
  testing::put64(b.raw(root), 32 + 8 * b.max_entries(8), root);  // its first child: itself
  b.reseal_node(root);
  ThinMetadata md2(b.src, 0);
  EXPECT_EQ(testing::thrown_error([&] { (void)BlockSharing::read(md2, {ThinId(0)}); }).code(), Code::Corruption);
}

}  // namespace
}  // namespace dvol::dm
