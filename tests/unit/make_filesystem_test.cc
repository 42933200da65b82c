// io::make_filesystem on a plain file (mkfs needs no device-mapper): a new filesystem's root
// holds the data directory it was asked for, which is what a user's volume path shows.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "io/filesystem.h"
#include "io/run.h"
#include "temp_dir.h"

namespace dvol {
namespace {

using testing::TempDir;

std::filesystem::path sparse_file(const TempDir& dir, uint64_t bytes) {
  auto path = dir.path() / "fs.img";
  std::ofstream(path).close();
  std::filesystem::resize_file(path, bytes);
  return path;
}

TEST(MakeFilesystem, Ext4RootHoldsTheDataDirectoryBesideLostAndFound) {
  // Given an empty file, when an ext4 filesystem with top directory "data" is made on it,
  // then its root lists data (a directory, mode 0755, root's) and lost+found, nothing else.
  if (!io::program_exists("debugfs")) GTEST_SKIP() << "no debugfs (e2fsprogs)";
  TempDir dir;
  auto image = sparse_file(dir, 64ull << 20);
  io::make_filesystem(io::FsType::Ext4, image.string(), "data");
  auto listing = io::run_checked({"debugfs", "-R", "ls -l /", image.string()}).out;
  EXPECT_NE(listing.find("40755 (2)      0      0"), std::string::npos) << listing;
  EXPECT_NE(listing.find(" data"), std::string::npos) << listing;
  EXPECT_NE(listing.find(" lost+found"), std::string::npos) << listing;
  auto stat = io::run_checked({"debugfs", "-R", "stat /data", image.string()}).out;
  EXPECT_NE(stat.find("Type: directory    Mode:  0755"), std::string::npos) << stat;
  EXPECT_NE(stat.find("User:     0   Group:     0"), std::string::npos) << stat;
}

TEST(MakeFilesystem, XfsRootHoldsOnlyTheDataDirectory) {
  // Given an empty file, when an xfs filesystem with top directory "data" is made on it
  // (from a prototype file), then its root lists data alone, a directory of mode 0755.
  if (!io::program_exists("xfs_db")) GTEST_SKIP() << "no xfs_db (xfsprogs)";
  TempDir dir;
  auto image = sparse_file(dir, 512ull << 20);
  io::make_filesystem(io::FsType::Xfs, image.string(), "data");
  auto listing = io::run_checked({"xfs_db", "-r", "-c", "ls /", image.string()}).out;
  EXPECT_NE(listing.find(" data"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("lost+found"), std::string::npos) << listing;
  auto inode = io::run_checked({"xfs_db", "-r", "-c", "path /data", "-c", "print core.mode", image.string()}).out;
  EXPECT_NE(inode.find("core.mode = 040755"), std::string::npos) << inode;
}

}  // namespace
}  // namespace dvol
