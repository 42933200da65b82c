// Kernel tests of full pools and full disks, on a deliberately small host filesystem: the
// state root lives on the ext4 filesystem that `scripts/uml-run --disk` gives the test kernel
// ($DVOL_TEST_DISK). What is checked is what a user sees: writers in the branch get an error
// at once when the disk is full, commits stay byte-identical, the volume works again once
// space is freed, commits and branches are refused below the free-space threshold, the data
// file grows on demand, and metadata stays small over hundreds of commits.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "dm/libdm_control.h"
#include "dm/table.h"
#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr uint64_t kMiB = 1 << 20;

// The kernel queues writes to a pool out of data space for no_space_timeout (60 s) unless
// error_if_no_space is set; a writer that waits anywhere near that long means the pool queued.
constexpr double kPromptSeconds = 30;

struct WriteOutcome {
  int error = 0;  // errno of the first failed write or fsync; 0: all written and synced
  double seconds = 0;
};

// Writes `bytes` of data derived from `seed` to `file` at offset 0 (creating it, never
// truncating) and fsyncs, stopping at the first error.
WriteOutcome try_write(const fs::path& file, size_t bytes, unsigned seed) {
  auto start = std::chrono::steady_clock::now();
  WriteOutcome outcome;
  DataStream stream(seed);
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    outcome.error = errno;
  } else {
    for (size_t done = 0; done < bytes && !outcome.error;) {
      auto piece = stream.next(std::min<size_t>(bytes - done, 1 << 20));
      for (size_t at = 0; at < piece.size();) {
        ssize_t n = ::write(fd, piece.data() + at, piece.size() - at);
        if (n < 0) {
          outcome.error = errno;
          break;
        }
        at += static_cast<size_t>(n);
      }
      done += piece.size();
    }
    if (!outcome.error && ::fsync(fd) != 0) outcome.error = errno;
    ::close(fd);
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

uint64_t free_on(const fs::path& path) {
  struct statvfs st{};
  if (::statvfs(path.c_str(), &st) != 0) throw std::runtime_error("statvfs " + path.string());
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

// Bytes `file` occupies on the host filesystem.
uint64_t allocated(const fs::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) throw std::runtime_error("stat " + file.string());
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

// The status of the one dvol pool created since the test began.
dm::ThinPoolStatus pool_status(const std::set<std::string>& devices) {
  dm::LibDmControl control;
  for (const auto& name : devices) {
    if (name.size() < 5 || name.substr(name.size() - 5) != "-pool") continue;
    auto lines = control.status(dm::DmName(name));
    if (lines.size() == 1) return dm::ThinPoolStatus::parse(lines[0].params);
  }
  throw std::runtime_error("no dvol pool is active");
}

// Gives back to the filesystem every 4 KiB block of `file` that reads as zeros (what a pool
// never wrote): the file then has holes, as a sparse file that was never preallocated has.
void punch_zero_blocks(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open " + file.string());
  std::string block(4096, '\0'), zeros(4096, '\0');
  for (off_t off = 0;; off += 4096) {
    ssize_t n = ::pread(fd, block.data(), block.size(), off);
    if (n <= 0) break;
    if (n == 4096 && block == zeros) ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, 4096);
  }
  ::fsync(fd);
  ::close(fd);
}

class FullDisk : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    const char* disk = std::getenv("DVOL_TEST_DISK");
    ASSERT_NE(disk, nullptr) << "run with scripts/uml-run --disk SIZE (a small host filesystem)";
    disk_ = disk;
    set_root(disk_ / fs::path(root().filename()));
    fs::create_directories(root());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove(filler_, ec);  // a failed test must not leave the next one a full disk
    CliTest::TearDown();
  }

  // Fills the small filesystem until `leave` bytes are free (fallocate: instant, no data).
  void fill_disk(uint64_t leave) {
    filler_ = disk_ / "filler";
    uint64_t free = free_on(disk_);
    ASSERT_GT(free, leave);
    int fd = ::open(filler_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    int rc = ::fallocate(fd, 0, 0, static_cast<off_t>(free - leave));
    int err = errno;
    ::close(fd);
    ASSERT_EQ(rc, 0) << std::strerror(err);
  }
  void free_disk() {
    fs::remove(filler_);
    ::sync();
  }

  json status_json(const std::string& volume) { return json::parse(ok({"--json", "status", volume})); }

  fs::path disk_;
  fs::path filler_;
};

TEST_F(FullDisk, WritersGetAnErrorAtOnceAndNothingCommittedIsLostThenTheVolumeWorksAgain) {
  // Given a volume with a committed 32 MiB file, when the host filesystem under its pool
  // files is full, then new data and rewrites of committed data in the branch fail with an
  // error (EIO or ENOSPC) within seconds, commit and checkout -b are refused with a message
  // saying what is short, checkout to another branch is refused (its uncommitted-changes
  // check cannot run), and nothing changes; once the filler is removed, writes, commit,
  // checkout -b, checkout and reset work again and the commit's data is byte-identical.
  init("v");
  auto path = mount("v");
  write_data(path / "a.bin", 32 * kMiB, 1);
  auto c1 = commit("32 MiB");
  ok({"checkout", "-b", "side"});
  ok({"checkout", "master"});
  fill_disk(256 * 1024);

  auto fresh = try_write(path / "new.bin", 48 * kMiB, 2);
  EXPECT_TRUE(fresh.error == EIO || fresh.error == ENOSPC) << std::strerror(fresh.error);
  EXPECT_LT(fresh.seconds, kPromptSeconds);
  auto rewrite = try_write(path / "a.bin", 8 * kMiB, 3);
  EXPECT_TRUE(rewrite.error == EIO || rewrite.error == ENOSPC) << std::strerror(rewrite.error);
  EXPECT_LT(rewrite.seconds, kPromptSeconds);
  std::cout << "[ figures  ] disk full: new data failed after " << fresh.seconds << " s ("
            << std::strerror(fresh.error) << "), rewrite of committed data after " << rewrite.seconds << " s ("
            << std::strerror(rewrite.error) << ")\n";
  auto pool = pool_status(new_dm_devices());
  EXPECT_EQ(pool.mode, dm::PoolMode::ReadWrite) << "the metadata is preallocated: the pool keeps taking writes";
  EXPECT_FALSE(pool.needs_check);

  auto r = dvol({"commit", "-m", "on a full disk"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err_line(0).rfind("dvol: cannot commit: the filesystem holding volume v has only ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("free space on the filesystem of"), std::string::npos) << r.err;
  r = dvol({"checkout", "-b", "b2"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err_line(0).rfind("dvol: cannot create branch b2: the filesystem holding volume v has only ", 0), 0u)
      << r.err;
  // Switching branches needs no space in the pool, but recording the switch needs a little on
  // the host: refused, and master is served as before (side's device is not left live).
  auto devices = new_dm_devices();
  r = dvol({"checkout", "side"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err_line(0).rfind("dvol: no space left to write metadata database ", 0), 0u) << r.err;
  EXPECT_EQ(ok({"branch"}), "* master\n  side\n");
  EXPECT_EQ(new_dm_devices(), devices);
  EXPECT_EQ(json::parse(ok({"--json", "log"})).size(), 1u);

  free_disk();
  // The files the failed writes left behind are whatever the filesystem kept; what counts is
  // that the volume takes writes again and the commit is intact.
  auto again = try_write(path / "after.bin", 16 * kMiB, 4);
  EXPECT_EQ(again.error, 0) << std::strerror(again.error);
  auto c2 = commit("after the disk was freed");
  EXPECT_EQ(ok({"checkout", "-b", "b2"}), "Switched to branch b2 based from v master@HEAD.\n");
  EXPECT_EQ(ok({"checkout", "side"}), "Switched to branch side.\n");
  EXPECT_EQ(files_in(path), (std::map<std::string, std::string>{{"a.bin", data_for(32 * kMiB, 1)}}));
  ok({"checkout", "b2"});
  EXPECT_EQ(read_file(path / "after.bin"), data_for(16 * kMiB, 4));
  ok({"checkout", "master"});
  ok({"reset", "--hard", c2});
  EXPECT_EQ(read_file(path / "after.bin"), data_for(16 * kMiB, 4));
  ok({"reset", "--hard", c1});
  EXPECT_EQ(files_in(path), (std::map<std::string, std::string>{{"a.bin", data_for(32 * kMiB, 1)}}));
}

TEST_F(FullDisk, APoolTurnedReadOnlyByAFailedMetadataWriteIsCheckedAndBroughtBackByTheNextCommand) {
  // Given a volume whose metadata file has holes (as a volume made before dvol preallocated
  // it has) and a commit, when the host filesystem is full and a write in the branch makes the
  // pool's metadata write fail, then the pool turns read-only; once space is freed, the next
  // dvol command checks the metadata and brings the pool back read-write, the commit's data
  // is byte-identical and the volume takes writes and commits again.
  init("v");
  auto path = mount("v");
  write_data(path / "a.bin", 16 * kMiB, 1);
  auto c1 = commit("16 MiB");
  auto meta = volume_dir("v") / "meta.img";
  punch_zero_blocks(meta);
  ASSERT_LT(allocated(meta), 4 * kMiB) << "only the blocks in use stay allocated";
  fill_disk(256 * 1024);
  // Enough data that the pool commits its metadata (it does every second and on a flush).
  (void)try_write(path / "b.bin", 32 * kMiB, 2);
  (void)try_write(path / "c.bin", 4 * kMiB, 3);
  auto pool = pool_status(new_dm_devices());
  ASSERT_TRUE(pool.mode == dm::PoolMode::ReadOnly || pool.needs_check || pool.failed)
      << "the scenario needs the metadata write to fail";

  free_disk();
  auto r = dvol({"status"});
  EXPECT_EQ(r.status, 0) << r.err;
  pool = pool_status(new_dm_devices());
  EXPECT_EQ(pool.mode, dm::PoolMode::ReadWrite);
  EXPECT_FALSE(pool.needs_check);
  auto again = try_write(path / "after.bin", 4 * kMiB, 4);
  EXPECT_EQ(again.error, 0) << std::strerror(again.error);
  commit("after the repair");
  // The failed writes' files may survive in part; the commit must be exactly as it was.
  ok({"reset", "--hard", c1});
  EXPECT_EQ(files_in(path), (std::map<std::string, std::string>{{"a.bin", data_for(16 * kMiB, 1)}}));
}

TEST_F(FullDisk, TheDataFileGrowsOnDemandSoThatTheBranchCanAlwaysBeRewrittenWhole) {
  // Given a new 256M volume, then its data file is 320M (the filesystem plus one 64M step)
  // and sparse; when 192 MiB are committed and then rewritten in place, each dvol command
  // grows the data file (and the pool) so that the pool keeps at least 256M free, the host
  // pays only for what was written, and both the commit and the rewrite read back intact.
  init("v");
  auto path = mount("v");
  auto data = volume_dir("v") / "data.img";
  EXPECT_EQ(fs::file_size(data), 320 * kMiB);
  EXPECT_EQ(status_json("v")["data_total_bytes"], 320 * kMiB);
  write_data(path / "a.bin", 192 * kMiB, 1);
  auto c1 = commit("192 MiB");
  auto s = status_json("v");
  uint64_t total = s["data_total_bytes"], used = s["data_used_bytes"];
  std::cout << "[ figures  ] after 192 MiB and a commit: pool " << used / kMiB << " MiB used of " << total / kMiB
            << " MiB, data.img " << fs::file_size(data) / kMiB << " MiB long, " << allocated(data) / kMiB
            << " MiB on the host\n";
  EXPECT_EQ(total, 576 * kMiB) << "grown to the used space + 256M + one step, in whole steps";
  EXPECT_EQ(fs::file_size(data), total);
  EXPECT_GE(total - used, 256 * kMiB);

  overwrite_in_place(path / "a.bin", 2);  // every block copied away from the commit's
  s = status_json("v");
  total = s["data_total_bytes"];
  used = s["data_used_bytes"];
  std::cout << "[ figures  ] after rewriting it: pool " << used / kMiB << " MiB used of " << total / kMiB
            << " MiB, data.img " << allocated(data) / kMiB << " MiB on the host\n";
  EXPECT_EQ(total, 768 * kMiB);
  EXPECT_GE(total - used, 256 * kMiB);
  EXPECT_LE(allocated(data), used + 16 * kMiB) << "sparse: the host pays for written blocks only";
  EXPECT_TRUE(holds_data(path / "a.bin", 192 * kMiB, 2));
  ok({"reset", "--hard", c1});
  EXPECT_TRUE(holds_data(path / "a.bin", 192 * kMiB, 1));
}

TEST_F(FullDisk, WhenThePoolIsFullWritesFailAtOnceAndCommitsAndBranchesAreRefused) {
  // Given a 192M volume (its data file grows to 768M at most) whose commits keep generations
  // of a 136 MiB file rewritten in place, when a generation needs more than the pool has left,
  // then the writer gets an error at once and the pool reports out_of_data_space
  // (error_if_no_space: nothing is queued), and the filesystem's journal, committed while the
  // pool is full, stops as on a failed disk; commit and checkout -b are then refused with a
  // message naming the volume and how to free space, and change nothing; after `commit -d`
  // of old commits, a commit while a program holds a file open on the stopped filesystem is
  // refused (it must be mounted again), and once the file is closed the volume takes commits
  // and writes again and the first commit's data is intact.
  ok({"init", "v", "--size", "192M"});
  auto path = mount("v");
  std::vector<std::string> ids;
  WriteOutcome failed;
  for (unsigned i = 1; i <= 10; ++i) {
    failed = try_write(path / "a.bin", 136 * kMiB, i);
    if (failed.error) break;
    ids.push_back(commit("generation " + std::to_string(i)));
  }
  ASSERT_NE(failed.error, 0) << "the pool never ran short";
  ::sync();  // a journal commit into the full pool: ext4 stops its journal, still looking writable
  ASSERT_GE(ids.size(), 3u) << "the data file grew to hold several generations";
  EXPECT_TRUE(failed.error == EIO || failed.error == ENOSPC) << std::strerror(failed.error);
  EXPECT_LT(failed.seconds, kPromptSeconds);
  EXPECT_EQ(pool_status(new_dm_devices()).mode, dm::PoolMode::OutOfDataSpace);
  std::cout << "[ figures  ] pool full after " << ids.size() << " generations: the writer got "
            << std::strerror(failed.error) << " after " << failed.seconds << " s\n";

  auto log_before = ok({"log"});
  auto r = dvol({"commit", "-m", "on a full pool"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0).rfind("dvol: cannot commit: volume v is out of space (", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("dvol commit -d REF"), std::string::npos) << r.err;
  auto s = json::parse(ok({"--json", "status"}));
  EXPECT_EQ(s["data_total_bytes"], 768 * kMiB) << "the data file stops at 4x the filesystem";
  r = dvol({"checkout", "-b", "b2", "--force"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0).rfind("dvol: cannot create branch b2: volume v is out of space (", 0), 0u) << r.err;
  EXPECT_EQ(ok({"branch"}), "* master\n");
  EXPECT_EQ(ok({"log"}), log_before);

  for (size_t i = 1; i < ids.size(); ++i) ok({"commit", "-d", ids[i]});
  auto log_freed = ok({"log"});
  int held = ::open((path / "a.bin").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held, 0);
  r = dvol({"commit", "-m", "while a file is open"});
  ::close(held);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0),
            "dvol: the filesystem of volume v stopped after a write error (did its pool run out of space?) and "
            "must be mounted again, but it is in use")
      << r.err;
  EXPECT_EQ(r.err_line(1), "stop the containers using volume v, then run the command again") << r.err;
  EXPECT_EQ(ok({"log"}), log_freed);

  auto again = dvol({"commit", "-m", "after freeing"});
  EXPECT_EQ(again.status, 0) << again.err;
  write_data(path / "new.bin", 1 * kMiB, 7);
  commit("a write after freeing");
  ok({"reset", "--hard", ids[0]});
  EXPECT_EQ(names_in(path), std::set<std::string>{"a.bin"});
  EXPECT_TRUE(holds_data(path / "a.bin", 136 * kMiB, 1));
}

TEST_F(FullDisk, MetadataStaysSmallOverHundredsOfCommits) {
  // Given a volume, when 200 commits are made, each after a small change, then the pool's
  // metadata in use (less the kernel's fixed reserve of 10% of the device) stays under 2 MiB
  // of its 16 MiB, the metadata file takes no more than its preallocated size on the host,
  // and the first commit still reads back intact.
  constexpr int kCommits = 200;
  init("v");
  auto path = mount("v");
  write_data(path / "base.bin", 1 * kMiB, 1);
  auto first = commit("first");
  auto start = json::parse(ok({"--json", "status"}));
  for (int i = 1; i < kCommits; ++i) {
    write_data(path / "counter", 4096, static_cast<unsigned>(i + 1));
    commit("commit " + std::to_string(i + 1));
  }
  auto end = json::parse(ok({"--json", "status"}));
  uint64_t total = end["metadata_total_bytes"], used = end["metadata_used_bytes"];
  uint64_t used_before = start["metadata_used_bytes"];
  uint64_t reserve = std::min<uint64_t>(total / 10 / 4096, 4096) * 4096;
  std::cout << "[ figures  ] metadata after 1 commit: " << (used_before - reserve) / 1024 << " KiB, after "
            << kCommits << " commits: " << (used - reserve) / 1024 << " KiB in use of " << total / kMiB
            << " MiB (kernel reserve " << reserve / 1024 << " KiB not counted); meta.img takes "
            << allocated(volume_dir("v") / "meta.img") / kMiB << " MiB on the host\n";
  EXPECT_EQ(total, 16 * kMiB);
  EXPECT_LT(used - reserve, 2 * kMiB);
  EXPECT_LE(allocated(volume_dir("v") / "meta.img"), total + kMiB);
  EXPECT_EQ(json::parse(ok({"--json", "log"})).size(), static_cast<size_t>(kCommits));
  ok({"reset", "--hard", first});
  EXPECT_EQ(files_in(path), (std::map<std::string, std::string>{{"base.bin", data_for(1 * kMiB, 1)}}));
}

}  // namespace
}  // namespace dvol::test
