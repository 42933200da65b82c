// The file report of `dvol diff -v`: which files own the changed blocks and what happened to
// each, from two scans of a filesystem.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "src/file_changes.h"

namespace dvol {
namespace {

io::FileInfo file(std::vector<io::ByteRange> extents, uint64_t size = 4096, mode_t mode = S_IFREG | 0644,
                  int64_t mtime = 1) {
  io::FileInfo f;
  f.mode = mode;
  f.size = size;
  f.mtime_ns = mtime;
  f.extents = std::move(extents);
  return f;
}

const auto kNeverSame = [](const std::string&) { return false; };
const auto kAlwaysSame = [](const std::string&) { return true; };

TEST(FileChanges, IdenticalScansAndNoChangedBlocksReportNothing) {
  // Given the same file on both sides and no changed block, then nothing is reported.
  Scan s{{"a", file({{8192, 4096}})}};
  auto r = classify_changes({}, s, s, kNeverSame);
  EXPECT_TRUE(r.files.empty());
  EXPECT_EQ(r.bookkeeping_bytes, 0u);
}

TEST(FileChanges, AddedDeletedModifiedAndMetadataOnlyAreTold) {
  // Given a file added, one deleted, one rewritten in place and one chmod-ed, when their blocks
  // and an inode-table block changed, then each gets its letter and its bytes, and the inode
  // block counts as bookkeeping.
  Scan from{{"gone", file({{0, 4096}})}, {"mod", file({{65536, 8192}}, 8192)}, {"perm", file({{131072, 4096}})}};
  Scan to{{"new", file({{200704, 4096}})}, {"mod", file({{65536, 8192}}, 8192, S_IFREG | 0644, 2)},
          {"perm", file({{131072, 4096}}, 4096, S_IFREG | 0600)}};
  std::vector<io::ByteRange> changed{{4096, 4096}, {69632, 4096}, {200704, 4096}};
  auto r = classify_changes(changed, from, to, kNeverSame);
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(r.files[0], (FileChange{'D', "gone", 0}));
  EXPECT_EQ(r.files[1], (FileChange{'M', "mod", 4096}));
  EXPECT_EQ(r.files[2], (FileChange{'A', "new", 4096}));
  EXPECT_EQ(r.files[3], (FileChange{'m', "perm", 0}));
  EXPECT_EQ(r.bookkeeping_bytes, 4096u);
}

TEST(FileChanges, RewriteWithIdenticalBytesIsNotAContentChange) {
  // Given a file rewritten with the same bytes into new blocks (new mtime), then it is 'm'
  // (metadata), not 'M', though its blocks moved.
  Scan from{{"f", file({{0, 4096}}, 4096, S_IFREG | 0644, 1)}};
  Scan to{{"f", file({{40960, 4096}}, 4096, S_IFREG | 0644, 2)}};
  auto r = classify_changes({{40960, 4096}}, from, to, kAlwaysSame);
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].status, 'm');
  EXPECT_EQ(r.files[0].bytes, 4096u);
}

TEST(FileChanges, BlocksOfAnUnchangedFileCountAsBookkeeping) {
  // Given a file whose metadata and content are the same but whose block changed (moved by the
  // filesystem), then it is not reported and its bytes are bookkeeping.
  Scan from{{"f", file({{0, 4096}})}};
  Scan to{{"f", file({{0, 4096}})}};
  auto r = classify_changes({{0, 4096}}, from, to, kAlwaysSame);
  EXPECT_TRUE(r.files.empty());
  EXPECT_EQ(r.bookkeeping_bytes, 4096u);
}

TEST(FileChanges, RenameIsADeleteAndAnAdd) {
  Scan from{{"old", file({{0, 4096}})}};
  Scan to{{"new", file({{0, 4096}})}};
  auto r = classify_changes({}, from, to, kAlwaysSame);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0], (FileChange{'A', "new", 0}));
  EXPECT_EQ(r.files[1], (FileChange{'D', "old", 0}));
}

TEST(FileChanges, DirectoryMtimeAloneIsNotAChange) {
  // Given a directory whose only difference is a new entry (its mtime is not compared), then
  // only the entry is reported; a chmod of the directory is 'm'.
  io::FileInfo dir;
  dir.mode = S_IFDIR | 0755;
  io::FileInfo closed = dir;
  closed.mode = S_IFDIR | 0700;
  Scan from{{"d", dir}};
  Scan to{{"d", dir}, {"d/x", file({{0, 4096}})}};
  auto r = classify_changes({{0, 4096}}, from, to, kNeverSame);
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].path, "d/x");
  auto r2 = classify_changes({}, Scan{{"d", dir}}, Scan{{"d", closed}}, kNeverSame);
  ASSERT_EQ(r2.files.size(), 1u);
  EXPECT_EQ(r2.files[0], (FileChange{'m', "d", 0}));
}

TEST(FileChanges, SymlinkTargetChangeIsAModification) {
  io::FileInfo a;
  a.mode = S_IFLNK | 0777;
  a.link_target = "x";
  io::FileInfo b = a;
  b.link_target = "y";
  auto r = classify_changes({}, Scan{{"l", a}}, Scan{{"l", b}}, kAlwaysSame);
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].status, 'M');
}

TEST(OverlapBytes, CountsOnlyTheIntersection) {
  std::vector<io::ByteRange> changed{{0, 4096}, {8192, 8192}, {65536, 4096}};
  EXPECT_EQ(overlap_bytes(changed, {{4096, 8192}}), 4096u);
  EXPECT_EQ(overlap_bytes(changed, {{0, 1 << 20}}), 16384u);
  EXPECT_EQ(overlap_bytes(changed, {{20480, 4096}}), 0u);
  EXPECT_EQ(overlap_bytes(changed, {{8192, 4096}, {8192, 4096}}), 4096u);  // overlapping extents count once
  EXPECT_EQ(overlap_bytes({}, {{0, 4096}}), 0u);
}

}  // namespace
}  // namespace dvol
