// io/files.h: the one way dvol replaces a small file (config, the current volume) and publishes
// a new one (a volume's database), on a real directory.
#include "io/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "expect_error.h"
#include "temp_dir.h"

namespace dvol {
namespace {

using testing::TempDir;
using testing::read_text;
using testing::thrown_error;

mode_t permissions(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

size_t entries(const std::filesystem::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(WriteFileAtomically, ReplacesTheFileWithTheModeAskedForWhateverTheUmask) {
  TempDir dir;
  auto file = dir.path() / "config.json";
  io::write_file_atomically(file, "old\n");
  mode_t before = ::umask(077);
  io::write_file_atomically(file, "new\n", 0644);
  ::umask(before);
  EXPECT_EQ(read_text(file), "new\n");
  EXPECT_EQ(permissions(file), 0644u);
  EXPECT_EQ(entries(dir.path()), 1u) << "no temporary file is left beside it";
}

TEST(WriteFileAtomically, AFailedWriteLeavesTheOldFileAndNoTemporaryFile) {
  // A directory in the way of the rename: the write fails after the temporary file was made.
  TempDir dir;
  auto target = dir.path() / "current";
  std::filesystem::create_directories(target / "inside");
  auto e = thrown_error([&] { io::write_file_atomically(target, "x"); });
  EXPECT_NE(e.message().find(target.string()), std::string::npos) << e.message();
  EXPECT_TRUE(std::filesystem::is_directory(target / "inside"));
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(LinkNewFile, PublishesACompleteFileUnderItsNameAndDropsTheTemporaryName) {
  TempDir dir;
  auto tmp = dir.path() / "dvol.db.new";
  std::ofstream(tmp) << "complete";
  io::link_new_file(tmp, dir.path() / "dvol.db");
  EXPECT_EQ(read_text(dir.path() / "dvol.db"), "complete");
  EXPECT_FALSE(std::filesystem::exists(tmp));
}

TEST(LinkNewFile, NeverReplacesAnExistingFile) {
  TempDir dir;
  auto tmp = dir.path() / "dvol.db.new";
  std::ofstream(tmp) << "second";
  std::ofstream(dir.path() / "dvol.db") << "first";
  auto e = thrown_error([&] { io::link_new_file(tmp, dir.path() / "dvol.db"); });
  EXPECT_EQ(e.code(), Code::AlreadyExists);
  EXPECT_EQ(read_text(dir.path() / "dvol.db"), "first");
  EXPECT_FALSE(std::filesystem::exists(tmp)) << "the unwanted temporary file is removed";
}

}  // namespace
}  // namespace dvol
