// Kernel tests of reset --hard through the CLI: every form of reference restores the exact
// bytes of its commit and drops later commits from the branch's log; every bad reference is
// refused with nothing changed.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

using nlohmann::json;
constexpr size_t kFileBytes = 256 * 1024;

// A volume v whose file data.bin holds different bytes at each of three commits, and different
// bytes again, uncommitted, in the live branch.
class ResetCommand : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    init("v");
    path_ = mount("v");
    for (unsigned i = 1; i <= 3; ++i) {
      write_data(path_ / "data.bin", kFileBytes, i);
      write_data(path_ / ("only-" + std::to_string(i) + ".bin"), 4096, 10 + i);
      ids_.push_back(commit(messages_[i - 1]));
    }
    // The log as it was at commit n is the tail of the log from commit n's entry.
    auto log = ok({"log"});
    for (unsigned i = 1; i <= 3; ++i) logs_.push_back(log.substr(log.find("commit " + ids_[i - 1] + "\n")));
    write_data(path_ / "data.bin", kFileBytes, 4);
    write_data(path_ / "uncommitted.bin", 4096, 5);
  }

  // The files of the branch after a reset to commit n (1-based).
  std::map<std::string, std::string> files_at(unsigned n) {
    std::map<std::string, std::string> files{{"data.bin", data_for(kFileBytes, n)}};
    for (unsigned i = 1; i <= n; ++i) files["only-" + std::to_string(i) + ".bin"] = data_for(4096, 10 + i);
    return files;
  }

  void expect_reset(const std::string& ref, unsigned n, const std::string& output) {
    auto r = dvol({"reset", "--hard", ref});
    EXPECT_EQ(r.status, 0) << ref << ": " << r.err;
    EXPECT_EQ(r.out, output) << ref;
    EXPECT_EQ(r.err, "") << ref;
    EXPECT_EQ(files_in(path_), files_at(n)) << ref;
    EXPECT_EQ(ok({"log"}), logs_[n - 1]) << ref;
  }

  std::string reset_line(unsigned n, const std::string& first_line) {
    return "Resetting v to commit " + ids_[n - 1].substr(0, 7) + " \"" + first_line + "\"... done.\n";
  }

  std::filesystem::path path_;
  std::vector<std::string> ids_, logs_;
  const std::vector<std::string> messages_{"first", "second \"quoted\"\n\nwith a body", "third"};
};

TEST_F(ResetCommand, HardHeadDiscardsUncommittedChangesAndKeepsTheLog) {
  // Given three commits and uncommitted changes, when `reset --hard HEAD` runs, then it prints
  // "Resetting v to latest commit... done.", the data is exactly the third commit's and the
  // log keeps all three commits.
  expect_reset("HEAD", 3, "Resetting v to latest commit... done.\n");
}

TEST_F(ResetCommand, HardHeadCaretRestoresTheParentAndDropsTheLaterCommit) {
  // Given three commits, when `reset --hard HEAD^` runs, then it names the second commit by
  // short id and first message line, the data is exactly the second commit's, and the log
  // holds the first two commits only; `HEAD^` once more then reaches the first.
  expect_reset("HEAD^", 2, reset_line(2, "second \"quoted\""));
  expect_reset("HEAD^", 1, reset_line(1, "first"));
}

TEST_F(ResetCommand, HardHeadTildeTwoRestoresTheFirstCommit) {
  // Given three commits, when `reset --hard HEAD~2` runs, then the data and log are the first
  // commit's.
  expect_reset("HEAD~2", 1, reset_line(1, "first"));
}

TEST_F(ResetCommand, HardFullIdAndUniquePrefixesRestoreTheirCommit) {
  // Given three commits, when reset --hard is given the second commit's full id, then the
  // first commit's 4-character and 7-character prefixes, then each restores that commit.
  expect_reset(ids_[1], 2, reset_line(2, "second \"quoted\""));
  expect_reset(ids_[0].substr(0, 7), 1, reset_line(1, "first"));
  expect_reset(ids_[0].substr(0, 4), 1, reset_line(1, "first"));
}

TEST_F(ResetCommand, BadReferencesAndCommitsOfOtherBranchesAreRefusedAndChangeNothing) {
  // Given three commits, uncommitted changes, and branch side with a commit of its own, when
  // reset --hard is given a reference past the start of history, a malformed one, an unknown
  // id, side's commit, or HEAD without --hard, then each exits 1 with a "dvol: " message
  // naming the problem, prints nothing on stdout, and the log, branches and data
  // (uncommitted changes included) are unchanged.
  ok({"checkout", "-b", "side", "--force"});
  auto side_only = commit("only on side");
  ok({"checkout", "master"});
  auto before = view("v");
  std::string upper = ids_[0];
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  std::string unknown = ids_[0];
  unknown[39] = unknown[39] == '0' ? '1' : '0';
  struct Case {
    std::vector<std::string> args;
    std::string first_line;
  };
  const std::vector<Case> cases = {
      {{"reset", "--hard", "HEAD~3"}, "dvol: branch master has only 3 commits; HEAD~3 does not exist"},
      {{"reset", "--hard", "HEAD^^^"}, "dvol: branch master has only 3 commits; HEAD^^^ does not exist"},
      {{"reset", "--hard", "HEAD~99999999999999999999999"}, "dvol: 'HEAD~99999999999999999999999' is not a valid commit reference"},
      {{"reset", "--hard", "HEAD~x"}, "dvol: 'HEAD~x' is not a valid commit reference"},
      {{"reset", "--hard", "HEAD^2"}, "dvol: 'HEAD^2' is not a valid commit reference"},
      {{"reset", "--hard", "HEAD~-1"}, "dvol: 'HEAD~-1' is not a valid commit reference"},
      {{"reset", "--hard", "head"}, "dvol: 'head' is not a valid commit reference"},
      {{"reset", "--hard", "xyz"}, "dvol: 'xyz' is not a valid commit reference"},
      {{"reset", "--hard", ids_[0].substr(0, 3)}, "dvol: '" + ids_[0].substr(0, 3) + "' is not a valid commit reference"},
      {{"reset", "--hard", upper}, "dvol: '" + upper + "' is not a valid commit reference"},
      {{"reset", "--hard", ids_[0] + "0"}, "dvol: '" + ids_[0] + "0' is not a valid commit reference"},
      {{"reset", "--hard", unknown}, "dvol: unknown commit '" + unknown + "'"},
      {{"reset", "--hard", "--", ""}, "dvol: '' is not a valid commit reference"},
      {{"reset", "--hard", side_only},
       "dvol: commit " + side_only.substr(0, 7) + " is not in the history of branch master"},
      {{"reset", "HEAD"}, "dvol: dvol reset only supports --hard"},
  };
  for (const auto& c : cases) {
    auto r = dvol(c.args);
    EXPECT_EQ(r.status, 1) << c.args.back() << ": " << r.err;
    EXPECT_EQ(r.err_line(0), c.first_line);
    EXPECT_EQ(r.out, "") << c.args.back();
  }
  EXPECT_EQ(view("v"), before);
}

TEST_F(ResetCommand, DroppedCommitsStayOnOtherBranchesThatHaveThem) {
  // Given branch keep made from master's third commit, when master is reset to its first
  // commit, then master's log holds only that commit, while keep's log still holds all three
  // and its data is the third commit's.
  ok({"checkout", "-b", "keep", "--force"});
  ok({"checkout", "master"});
  expect_reset(ids_[0], 1, reset_line(1, "first"));
  ok({"checkout", "keep"});
  EXPECT_EQ(ok({"log"}), logs_[2]);
  EXPECT_EQ(files_in(path_), files_at(3));
  expect_reset("HEAD~1", 2, reset_line(2, "second \"quoted\""));
}

}  // namespace
}  // namespace dvol::test
