#include "src/space_policy.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace dvol {
namespace {

constexpr uint64_t MiB = 1ull << 20, GiB = MiB * 1024;

TEST(SpacePolicy, ANewVolumeGetsItsFilesystemSizePlusOneStep) {
  // Given new volumes of 64M, 256M and 10G, when their data files are sized, then each is the
  // filesystem size plus one step (a quarter of it, at least 64M), in whole steps.
  EXPECT_EQ(initial_data_bytes(64 * MiB), 128 * MiB);
  EXPECT_EQ(initial_data_bytes(256 * MiB), 320 * MiB);
  EXPECT_EQ(initial_data_bytes(10 * GiB), 12 * GiB + 512 * MiB);
  EXPECT_EQ(growth_step(10 * GiB), 2 * GiB + 512 * MiB);
  EXPECT_EQ(growth_step(100 * MiB), 64 * MiB);
}

TEST(SpacePolicy, NoGrowthWhileThePoolHasTheFilesystemSizeFree) {
  // Given a 256M volume whose 320M pool has 256M or more free, then it does not grow.
  EXPECT_EQ(grown_data_bytes({256 * MiB, 320 * MiB, 64 * MiB, 1 * GiB}), std::nullopt);
  EXPECT_EQ(grown_data_bytes({256 * MiB, 320 * MiB, 0, 1 * GiB}), std::nullopt);
}

TEST(SpacePolicy, GrowsToUsedPlusTheFilesystemPlusAStepInWholeSteps) {
  // Given a 256M volume with 200M of its 320M in use (less than 256M free), then the data
  // grows to 200 + 256 + 64 = 520M rounded up to whole 64M steps: 576M.
  EXPECT_EQ(grown_data_bytes({256 * MiB, 320 * MiB, 200 * MiB, 1 * GiB}), 576 * MiB);
  EXPECT_EQ(grown_data_bytes({256 * MiB, 320 * MiB, 192 * MiB, 1 * GiB}), 512 * MiB);
  // and after a rewrite of those 192M, from 576M with 384M used: 704M; with a little more
  // (the filesystem's own blocks), the next whole step: 768M.
  EXPECT_EQ(grown_data_bytes({256 * MiB, 576 * MiB, 384 * MiB, 1 * GiB}), 704 * MiB);
  EXPECT_EQ(grown_data_bytes({256 * MiB, 576 * MiB, 390 * MiB, 1 * GiB}), 768 * MiB);
}

TEST(SpacePolicy, NeverGrowsPastTheLargestDataFile) {
  // Given a pool already at its largest, or one step short of it, then growth stops there.
  EXPECT_EQ(grown_data_bytes({256 * MiB, 1 * GiB, 900 * MiB, 1 * GiB}), std::nullopt);
  EXPECT_EQ(grown_data_bytes({256 * MiB, 896 * MiB, 800 * MiB, 1 * GiB}), 1 * GiB);
}

TEST(SpacePolicy, UsedBeyondTheDeviceCountsAsFull) {
  // Given figures where used exceeds the device (a status read mid-change), then the pool
  // counts as having nothing free and grows; no underflow.
  EXPECT_EQ(grown_data_bytes({256 * MiB, 320 * MiB, 400 * MiB, 1 * GiB}), 768 * MiB);
}

TEST(SpacePolicy, MetadataIsSizedForTheLargestDataFile) {
  // Given volumes of 256M, 10G and 64T, then the metadata file is 16M (the least), 40M
  // (1/1024 of 4 x 10G) and 15G (the most the kernel uses).
  EXPECT_EQ(metadata_bytes_for(256 * MiB), 16 * MiB);
  EXPECT_EQ(metadata_bytes_for(10 * GiB), 40 * MiB);
  EXPECT_EQ(metadata_bytes_for(64ull * 1024 * GiB), 15 * GiB);
}

TEST(SpacePolicy, TheLargestDataFileFollowsTheMetadataAndNeverShrinks) {
  // Given a new 256M volume (16M of metadata), then its data may grow to 4 x 256M; given a
  // volume made before growth existed (20G of data for 10G, 320M of metadata), then 40G; and
  // a data file already longer than the rule allows keeps its length.
  EXPECT_EQ(max_data_bytes(256 * MiB, 320 * MiB, 16 * MiB), 1 * GiB);
  EXPECT_EQ(max_data_bytes(10 * GiB, 20 * GiB, 320 * MiB), 40 * GiB);
  EXPECT_EQ(max_data_bytes(10 * GiB, 50 * GiB, 40 * MiB), 50 * GiB);
  EXPECT_EQ(max_data_bytes(10 * GiB, 12 * GiB, 16 * MiB), 16 * GiB) << "16M of metadata carries 16G of data";
}

}  // namespace
}  // namespace dvol
