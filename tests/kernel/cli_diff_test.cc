// Kernel tests of `dvol diff` and of the "uncommitted changes" rule through the CLI: known
// writes give their exact file lines, the metadata-guided comparison agrees with the full
// device comparison, and nothing a user does without writing shows up as a change.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The file lines of a --json diff: path -> "<status> <bytes>".
std::map<std::string, std::string> file_lines(const json& j) {
  std::map<std::string, std::string> out;
  for (auto& f : j["files"]) out[f["path"]] = f["status"].get<std::string>() + " " + std::to_string(f["bytes"].get<uint64_t>());
  return out;
}

uint64_t sum_of_parts(const json& j) {
  uint64_t total = j["bookkeeping_bytes"].get<uint64_t>();
  for (auto& f : j["files"]) total += f["bytes"].get<uint64_t>();
  return total;
}

// A pool's held metadata root, from `dmsetup status` (field 7 of the thin-pool line).
std::string held_root_of_pools() {
  auto r = run_process({"/sbin/dmsetup", "status", "--target", "thin-pool"}, {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, {});
  std::string held;
  for (auto& line : lines_of(r.out)) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string x; in >> x;) w.push_back(x);
    if (w.size() > 7 && w[0].rfind("dvol-", 0) == 0) held += w[7];
  }
  return held;
}

class DiffCommand : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    init("v");
    path_ = mount("v");
    fs::create_directories(path_ / "db");
    write_data(path_ / "db" / "table", 1 << 20, 1);
    write_data(path_ / "db" / "index", 64 << 10, 2);
    write_data(path_ / "keep", 8192, 3);
    base_ = commit("base");
  }

  // Sends `message` to the pool of volume v, as a crash or another tool leaves things.
  void pool_message(const std::string& message) {
    for (const auto& name : new_dm_devices()) {
      if (!name.ends_with("-pool")) continue;
      auto r = run_process({"/sbin/dmsetup", "message", name, "0", message}, {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, {});
      ASSERT_EQ(r.status, 0) << r.err;
      return;
    }
    FAIL() << "no pool";
  }

  json diff_json(const std::vector<std::string>& refs = {}) {
    std::vector<std::string> args{"--json", "diff", "-v"};
    args.insert(args.end(), refs.begin(), refs.end());
    return json::parse(ok(args));
  }

  fs::path path_;
  std::string base_;
};

TEST_F(DiffCommand, IdenticalStatesHaveNothingChanged) {
  // Given a commit, when it is diffed against itself, then 0 bytes changed and the two lines
  // of cli.md print; two commits with no write between them differ at most in filesystem
  // bookkeeping (each snapshot freezes the filesystem, which stamps its superblock), which is
  // no changed data: 0 bytes, no file, the bookkeeping on its own.
  auto r = dvol({"diff", "HEAD", "HEAD"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0 bytes have changed between \"base\" and \"base\".\nUse dvol diff -v to show changed files.\n");
  commit("again");
  auto j = diff_json({"HEAD^", "HEAD"});
  EXPECT_TRUE(j["files"].empty()) << j.dump();
  EXPECT_EQ(j["bytes_changed"].get<uint64_t>(), 0u) << j.dump();
  EXPECT_EQ(j["block_bytes_changed"].get<uint64_t>(), j["bookkeeping_bytes"].get<uint64_t>()) << j.dump();
  // Two commits need no snapshot of the live data: none was taken.
  EXPECT_EQ(j["timing_ms"]["snapshot"].get<double>(), 0.0) << j.dump();
  EXPECT_GT(j["timing_ms"]["open"].get<double>(), 0.0) << j.dump();
}

TEST_F(DiffCommand, NothingHasChangedAfterCommitResetCheckoutAndReads) {
  // Given a committed volume, when nothing is written (a commit, reading every file, a
  // checkout there and back, a reset), then each time diff says 0 bytes with the bookkeeping
  // it saw on its own line of -v, and status says no uncommitted changes: they agree.
  auto nothing = [&](const std::string& when) {
    SCOPED_TRACE(when);
    EXPECT_EQ(ok({"diff"}), "0 bytes have changed between \"" + std::string("base") +
                                "\" and latest uncommitted changes.\nUse dvol diff -v to show changed files.\n");
    auto text = ok({"diff", "-v"});
    EXPECT_NE(text.find("Changed files:\n     "), std::string::npos) << text;
    EXPECT_NE(text.find("(filesystem bookkeeping, no file)"), std::string::npos) << text;
    EXPECT_NE(ok({"status"}).find("Uncommitted: no"), std::string::npos);
  };
  nothing("right after the commit");
  files_in(path_);
  nothing("after reading every file");
  ok({"checkout", "-b", "side"});
  ok({"checkout", "master"});
  nothing("after a checkout there and back");
  ok({"reset", "--hard", "HEAD"});
  nothing("after reset --hard HEAD");
}

TEST_F(DiffCommand, KnownWritesGiveTheirFileLines) {
  // Given a 4 KiB block overwritten in place, a 1 MiB file added, a file deleted, a file
  // renamed and a chmod, when HEAD is diffed against the live data, then each file has its
  // letter and exact bytes, and the total is the sum of the files and the bookkeeping line.
  {
    int fd = ::open((path_ / "db" / "table").c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    std::string block = data_for(4096, 99);
    ASSERT_EQ(::pwrite(fd, block.data(), block.size(), 40960), 4096);
    ::fsync(fd);
    ::close(fd);
  }
  write_data(path_ / "new.bin", 1 << 20, 7);
  fs::remove(path_ / "db" / "index");
  fs::rename(path_ / "keep", path_ / "kept");
  ::chmod((path_ / "db").c_str(), 0700);
  ::sync();
  auto j = diff_json();
  auto files = file_lines(j);
  EXPECT_EQ(files["db/table"], "M 4096");
  EXPECT_EQ(files["new.bin"], "A 1048576");
  EXPECT_EQ(files["db/index"].substr(0, 2), "D ");
  EXPECT_EQ(files["keep"].substr(0, 2), "D ");
  EXPECT_EQ(files["kept"].substr(0, 2), "A ");
  EXPECT_EQ(files["db"], "m 0");
  EXPECT_EQ(files.size(), 6u);
  // The figure is the files' changed data; every changed block is a file's or bookkeeping.
  EXPECT_EQ(j["bytes_changed"].get<uint64_t>() + j["bookkeeping_bytes"].get<uint64_t>(), sum_of_parts(j));
  EXPECT_EQ(j["block_bytes_changed"].get<uint64_t>(), sum_of_parts(j));
  EXPECT_GE(j["bytes_changed"].get<uint64_t>(), (1u << 20) + 4096);
  // The live side was read from a snapshot, and the JSON says what taking it cost.
  EXPECT_GT(j["timing_ms"]["snapshot"].get<double>(), 0.0) << j.dump();
  // The text form says the same.
  auto text = ok({"diff", "-v"});
  EXPECT_NE(text.find("  M         4K  db/table\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  A      1.00M  new.bin\n"), std::string::npos) << text;
  EXPECT_NE(text.find("(filesystem bookkeeping, no file)"), std::string::npos) << text;
}

TEST_F(DiffCommand, IdenticalRewriteIsNotAContentChange) {
  // Given a file rewritten in place with the same bytes, then it is at most a metadata change.
  overwrite_in_place(path_ / "keep", 3);
  auto files = file_lines(diff_json());
  if (files.count("keep")) {
    EXPECT_EQ(files["keep"].substr(0, 1), "m");
  }
  for (auto& [path, line] : files) EXPECT_NE(line.substr(0, 1), "M") << path;
}

TEST_F(DiffCommand, MetadataGuidedDiffAgreesWithTheFullComparison) {
  // Given commits with scattered changes, when diffed with the pool's metadata and with the
  // full device comparison, then both give the same ranges, and the metadata read less.
  overwrite_in_place(path_ / "db" / "table", 5);
  write_data(path_ / "x", 300000, 6);
  commit("second");
  auto fast = diff_json({"HEAD^", "HEAD"});
  auto full = json::parse(ok({"--json", "diff", "--full-compare", "HEAD^", "HEAD"}));
  EXPECT_EQ(fast["bytes_changed"], full["bytes_changed"]);
  EXPECT_EQ(fast["ranges"], full["ranges"]);
  EXPECT_LT(fast["candidate_bytes"].get<uint64_t>(), full["candidate_bytes"].get<uint64_t>() / 10);
  EXPECT_GT(fast["bytes_changed"].get<uint64_t>(), 1u << 20);
}

TEST_F(DiffCommand, DiffsBetweenCommitsCommitAndLiveAndAcrossAReset) {
  // Given a second commit, then diff FROM TO names both messages; after reset --hard to the
  // first commit, HEAD against live is unchanged and the second commit is gone.
  write_data(path_ / "more", 65536, 8);
  commit("second");
  auto r = ok({"diff", "HEAD^", "HEAD"});
  EXPECT_EQ(lines_of(r).at(0).find("between \"base\" and \"second\"") != std::string::npos, true) << r;
  EXPECT_EQ(file_lines(diff_json({base_}))["more"], "A 65536");
  ok({"reset", "--hard", "HEAD^"});
  EXPECT_TRUE(diff_json()["files"].empty());
  auto gone = dvol({"diff", "HEAD~1"});
  EXPECT_EQ(gone.status, 1);
  EXPECT_EQ(gone.err_line(0).rfind("dvol: ", 0), 0u);
}

TEST_F(DiffCommand, AVolumeNamedLikeAReferenceIsTheVolumeUnlessItIsAlsoACommitHere) {
  // Given volume v (current, with commit base) and volumes named like references: one like a
  // commit prefix that names no commit of v, and one named HEAD, when `dvol diff NAME` runs,
  // then the first diffs that volume, and HEAD is refused as ambiguous with how to say which;
  // naming the volume after it makes it the commit reference again.
  std::string hex_name = "abcd";
  for (const char* candidate : {"abcd", "bcde", "cdef"})
    if (base_.rfind(candidate, 0) != 0) {
      hex_name = candidate;
      break;
    }
  ok({"init", hex_name, "--size", "256M"});
  ok({"switch", "v"});
  ok({"commit", "-m", "in " + hex_name, hex_name});
  EXPECT_EQ(lines_of(ok({"diff", hex_name})).at(0), "0 bytes have changed between \"in " + hex_name +
                                                        "\" and latest uncommitted changes.");
  ok({"init", "HEAD", "--size", "256M"});
  ok({"switch", "v"});
  auto r = dvol({"diff", "HEAD"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: 'HEAD' is both a volume and a commit of volume v") << r.err;
  EXPECT_EQ(r.err_line(1), "for the commit, name the volume after it: dvol diff ... HEAD v") << r.err;
  EXPECT_EQ(lines_of(ok({"diff", "HEAD", "v"})).at(0), "0 bytes have changed between \"base\" and latest uncommitted changes.");
}

TEST_F(DiffCommand, BadReferencesAreRefused) {
  for (std::string ref : {"HEAD~5", "zzzz", "abc", "ABCDEF"}) {
    auto r = dvol({"diff", ref, "HEAD", "v"});
    EXPECT_EQ(r.status, 1) << ref;
    EXPECT_EQ(r.out, "") << ref;
    EXPECT_EQ(r.err_line(0).rfind("dvol: ", 0), 0u) << ref << ": " << r.err;
  }
  EXPECT_EQ(held_root_of_pools(), "-");
}

TEST_F(DiffCommand, NoMetadataSnapshotOrTemporaryDeviceIsLeftAfterAnInterruptedDiff) {
  // Given a slow full comparison, when it is interrupted with SIGINT, then it fails with
  // "interrupted", the pool holds no metadata snapshot, and only the pool and the branch are live.
  auto devices_before = dvol_dm_devices();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(dvol_binary().c_str(), "dvol", "--root", root().c_str(), "diff", "--full-compare", "v", nullptr);
    ::_exit(127);
  }
  ::usleep(1500 * 1000);
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(held_root_of_pools(), "-");
  EXPECT_EQ(dvol_dm_devices(), devices_before);
  EXPECT_TRUE(diff_json()["files"].empty());  // and the next diff works
  EXPECT_EQ(ok({"fsck", "v"}).find("deleted"), std::string::npos);  // no snapshot was left in the pool
}

TEST_F(DiffCommand, ADiffSnapshotLeftByACrashIsReplacedNotRead) {
  // Given the diff's snapshot of the live data left in the pool by a crash (taken at the base
  // commit), when more is written and diff runs, then it reports the new write (it took a
  // fresh snapshot), and afterwards fsck finds no snapshot left to delete.
  pool_message("create_snap 16777215 0");
  write_data(path_ / "new", 65536, 9);
  ::sync();
  auto files = file_lines(diff_json());
  EXPECT_EQ(files["new"], "A 65536");
  EXPECT_EQ(files.size(), 1u);
  auto fsck = ok({"fsck", "v"});
  EXPECT_EQ(fsck.find("deleted"), std::string::npos) << fsck;
}

TEST_F(DiffCommand, XfsVolumesDiffToo) {
  ok({"init", "x", "--fs", "xfs", "--size", "512M"});
  auto p = mount("x");
  write_data(p / "a", 65536, 1);
  commit("xfs base", "x");
  write_data(p / "b", 131072, 2);
  ::sync();
  auto j = json::parse(ok({"--json", "diff", "-v", "x"}));
  auto files = file_lines(j);
  EXPECT_EQ(files["b"], "A 131072");
  EXPECT_EQ(files.size(), 1u);
}

TEST_F(DiffCommand, ReadingSwitchingAndCommittingCreateNoUncommittedChange) {
  // Given a committed volume, when branches are switched back and forth and every file is
  // read, then checkout -b is still allowed (no user-visible change exists).
  ok({"checkout", "-b", "a"});
  ok({"checkout", "master"});
  files_in(path_);
  commit("read only");
  ok({"checkout", "a"});
  ok({"checkout", "master"});
  files_in(path_);
  EXPECT_TRUE(diff_json()["files"].empty());
  auto r = dvol({"checkout", "-b", "b"});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(DiffCommand, CheckoutKeepsUncommittedChangesOnTheirBranchAndCheckoutBRefusesThem) {
  // Given a branch and an uncommitted change on master, when checkout -b runs, then it refuses
  // with the cli.md message and nothing changes; checkout of the existing branch switches and
  // says the change stays on master, where it is again after switching back.
  ok({"checkout", "-b", "other"});
  ok({"checkout", "master"});
  write_data(path_ / "draft", 4096, 11);
  auto before = view("v");
  EXPECT_NE(ok({"status"}).find("Uncommitted: yes"), std::string::npos);
  EXPECT_EQ(lines_of(ok({"diff"})).at(0), "4K has changed between \"base\" and latest uncommitted changes.");
  auto b = dvol({"checkout", "-b", "third"});
  EXPECT_EQ(b.status, 1);
  EXPECT_EQ(b.err_line(0), "dvol: volume v has uncommitted changes. Please commit these before switching branches.");
  EXPECT_EQ(view("v"), before);
  EXPECT_EQ(ok({"checkout", "other"}), "Switched to branch other.\nBranch master keeps its uncommitted changes.\n");
  EXPECT_FALSE(fs::exists(path_ / "draft"));
  EXPECT_EQ(ok({"checkout", "master"}), "Switched to branch master.\n");
  EXPECT_EQ(read_file(path_ / "draft"), data_for(4096, 11));
}

TEST_F(DiffCommand, AMetadataOnlyChangeIsAChangeForDiffAndStatusAlike) {
  // Given an empty file added (no data block of its own), then diff does not say "0 bytes"
  // and status says there are uncommitted changes.
  std::ofstream(path_ / "empty").close();
  ::sync();
  EXPECT_EQ(lines_of(ok({"diff"})).at(0), "Only file metadata has changed between \"base\" and latest uncommitted changes.");
  EXPECT_NE(ok({"status"}).find("Uncommitted: yes"), std::string::npos);
}

}  // namespace
}  // namespace dvol::test
