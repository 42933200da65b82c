// Kernel tests of freeing space through the CLI: branch -d and commit -d give the pool's blocks
// back (seen in `dvol --json list` as bytes), and commit -d removes exactly one commit.
#include <nlohmann/json.hpp>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

using nlohmann::json;
constexpr uint64_t kMiB = 1 << 20;

using FreeingSpace = CliTest;

TEST_F(FreeingSpace, BranchDeleteFreesTheDataOnlyThatBranchHeld) {
  // Given branch big holding 16 MiB of data in its live device and in a commit of its own, and
  // master checked out, when `branch -d big` runs, then the volume's SIZE falls by at least
  // 15 MiB (the commit and the live device share those blocks) and master's data is unchanged.
  init("v");
  auto path = mount("v");
  write_data(path / "small.bin", 64 * 1024, 1);
  commit("base");
  ok({"checkout", "-b", "big"});
  write_data(path / "big.bin", 16 * kMiB, 2);
  commit("16 MiB on big");
  ok({"checkout", "master"});
  auto master_files = files_in(path);
  uint64_t before = used_bytes("v");

  EXPECT_EQ(ok({"branch", "-d", "big"}), "Deleted branch big.\n");
  uint64_t after = used_bytes("v");
  EXPECT_LE(after + 15 * kMiB, before) << "before " << before << ", after " << after;
  EXPECT_EQ(files_in(path), master_files);
  EXPECT_EQ(ok({"branch"}), "* master\n");
}

TEST_F(FreeingSpace, CommitDeleteFreesTheBlocksOnlyThatCommitHeld) {
  // Given a commit of a 16 MiB file whose every block was then overwritten in the live branch,
  // when that commit is deleted with `commit -d`, then it prints "Deleted commit ID.", the
  // volume's SIZE falls by at least 15 MiB and the live data is unchanged.
  init("v");
  auto path = mount("v");
  write_data(path / "big.bin", 16 * kMiB, 1);
  auto old = commit("old 16 MiB");
  overwrite_in_place(path / "big.bin", 2);
  auto latest = commit("new 16 MiB");
  uint64_t before = used_bytes("v");
  ASSERT_GE(before, 32 * kMiB) << "the old commit and the live data hold 16 MiB each";

  auto r = dvol({"commit", "-d", old});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Deleted commit " + old + ".\n");
  uint64_t after = used_bytes("v");
  EXPECT_LE(after + 15 * kMiB, before) << "before " << before << ", after " << after;
  EXPECT_EQ(read_file(path / "big.bin"), data_for(16 * kMiB, 2));
  auto log = json::parse(ok({"--json", "log"}));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["id"], latest);
}

TEST_F(FreeingSpace, CommitDeleteRemovesOnlyThatCommitAndKeepsBranchesBuiltFromIt) {
  // Given commits c1, c2, c3 on master and branch side made from c2, when c2 is deleted by a
  // 6-character prefix, then it leaves every log (master keeps c3 and c1 with their entries
  // unchanged), master's data and side's data are unchanged, and reset to c1 still works.
  init("v");
  auto path = mount("v");
  std::vector<std::string> ids;
  for (unsigned i = 1; i <= 2; ++i) {
    write_data(path / ("f" + std::to_string(i)), 64 * 1024, i);
    ids.push_back(commit("c" + std::to_string(i)));
  }
  ok({"checkout", "-b", "side"});
  auto side_files = files_in(path);
  ok({"checkout", "master"});
  write_data(path / "f3", 64 * 1024, 3);
  ids.push_back(commit("c3"));
  auto master_files = files_in(path);
  auto log_text = ok({"log"});
  // The log without c2's entry, the second of three entries of 6 lines each (commit, Author,
  // Date, blank, one message line, blank).
  auto lines = lines_of(log_text);
  std::string expected_log;
  for (size_t i = 0; i < lines.size(); ++i)
    if (i < 6 || i >= 12) expected_log += lines[i] + "\n";
  ASSERT_EQ(lines.at(6), "commit " + ids[1]);

  auto r = dvol({"commit", "-d", ids[1].substr(0, 6)});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Deleted commit " + ids[1] + ".\n");
  EXPECT_EQ(ok({"log"}), expected_log);
  EXPECT_EQ(files_in(path), master_files);
  ok({"checkout", "side"});
  EXPECT_EQ(files_in(path), side_files);
  EXPECT_EQ(json::parse(ok({"--json", "log"})).size(), 1u) << "side keeps c1 only";
  // side's data is c2's, and c2 is gone: relative to its new HEAD (c1) that data is
  // uncommitted, so leaving the branch needs --force (the data stays on side).
  ok({"checkout", "--force", "master"});
  EXPECT_EQ(ok({"reset", "--hard", ids[0]}), "Resetting v to commit " + ids[0].substr(0, 7) + " \"c1\"... done.\n");
  EXPECT_EQ(files_in(path), (std::map<std::string, std::string>{{"f1", data_for(64 * 1024, 1)}}));
}

TEST_F(FreeingSpace, CommitDeleteOfABadReferenceIsRefusedAndChangesNothing) {
  // Given a volume with one commit, when `commit -d` is given an unknown id, a malformed
  // reference or HEAD~1 past the start, then each exits 1 with a "dvol: " message and nothing
  // changes.
  init("v");
  auto id = commit("only");
  auto before = view("v");
  std::string unknown = id;
  unknown[0] = unknown[0] == 'a' ? 'b' : 'a';
  for (auto [ref, message] : {std::pair{unknown, "dvol: unknown commit '" + unknown + "'"},
                              std::pair{std::string("zzzz"), std::string("dvol: 'zzzz' is not a valid commit reference")},
                              std::pair{std::string("HEAD~1"),
                                        std::string("dvol: branch master has only 1 commit; HEAD~1 does not exist")}}) {
    auto r = dvol({"commit", "-d", ref});
    EXPECT_EQ(r.status, 1) << ref << ": " << r.err;
    EXPECT_EQ(r.err_line(0), message);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(view("v"), before);
}

}  // namespace
}  // namespace dvol::test
