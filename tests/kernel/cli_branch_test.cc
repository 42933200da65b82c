// Kernel tests of checkout (-b) and branch (-d) through the CLI: history and data copied from
// HEAD, branches kept apart, refusals that change nothing, alphabetical listing.
#include <nlohmann/json.hpp>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

using nlohmann::json;
constexpr size_t kKiB = 1024;

using BranchCommands = CliTest;

TEST_F(BranchCommands, CheckoutBCopiesHistoryAndDataFromHeadAndKeepsBranchesApart) {
  // Given master with two commits and an uncommitted file, when `checkout -b feature` runs,
  // then it prints "Switched to branch feature based from v master@HEAD.", feature's log is
  // master's, its data is HEAD's (without the uncommitted file); a commit on feature does not
  // show on master, and `checkout master` brings master's data and log back.
  init("v");
  auto path = mount("v");
  write_data(path / "one.bin", 64 * kKiB, 1);
  commit("one");
  write_data(path / "two.bin", 64 * kKiB, 2);
  commit("two");
  auto master_log = ok({"log"});
  auto master_files = files_in(path);
  write_data(path / "uncommitted.bin", 4 * kKiB, 3);
  auto master_live = files_in(path);

  auto r = dvol({"checkout", "-b", "feature", "--force"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Switched to branch feature based from v master@HEAD.\n");
  EXPECT_EQ(ok({"path"}), path.string() + "\n") << "the branch is served at the volume's one path";
  EXPECT_EQ(ok({"log"}), master_log);
  EXPECT_EQ(files_in(path), master_files);
  EXPECT_EQ(ok({"branch"}), "* feature\n  master\n");

  write_data(path / "feature.bin", 64 * kKiB, 4);
  auto feature_commit = commit("on feature");
  auto feature_files = files_in(path);

  r = dvol({"checkout", "master"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Switched to branch master.\n");
  EXPECT_EQ(ok({"log"}), master_log);
  EXPECT_EQ(files_in(path), master_live);
  EXPECT_EQ(ok({"branch"}), "  feature\n* master\n");

  ok({"checkout", "--force", "feature"});  // master has its uncommitted file
  EXPECT_EQ(files_in(path), feature_files);
  EXPECT_EQ(json::parse(ok({"--json", "log"}))[0]["id"], feature_commit);
}

TEST_F(BranchCommands, CheckoutBBeforeAnyCommitIsRefused) {
  // Given a new volume with no commit, when `checkout -b x` runs, then it exits 1 with the
  // message of docs/cli.md and master stays the only branch.
  init("v");
  write_data(mount("v") / "f.bin", 4 * kKiB, 1);
  auto before = view("v");
  auto r = dvol({"checkout", "-b", "x"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: you must commit ('dvol commit') before you can branch ('dvol checkout -b')");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(view("v"), before);
}

TEST_F(BranchCommands, CheckoutBOfAnExistingBranchAndCheckoutOfAnUnknownBranchAreRefused) {
  // Given branches master (checked out) and x, when `checkout -b x`, `checkout -b master` or
  // `checkout nope` run, then each exits 1 with a message naming the branch, and nothing
  // changes.
  init("v");
  write_data(mount("v") / "f.bin", 4 * kKiB, 1);
  commit("base");
  ok({"checkout", "-b", "x"});
  ok({"checkout", "master"});
  auto before = view("v");
  for (auto [args, message] : {std::pair{std::vector<std::string>{"checkout", "-b", "x"},
                                         std::string("dvol: a branch named 'x' already exists")},
                               std::pair{std::vector<std::string>{"checkout", "-b", "master"},
                                         std::string("dvol: a branch named 'master' already exists")},
                               std::pair{std::vector<std::string>{"checkout", "nope"},
                                         std::string("dvol: branch 'nope' does not exist")}}) {
    auto r = dvol(args);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.err_line(0), message);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(view("v"), before);
}

TEST_F(BranchCommands, CheckoutBWithUncommittedChangesIsRefused) {
  // Given an uncommitted file on master, when `checkout -b x` runs without --force, then it
  // exits 1 with "dvol: volume v has uncommitted changes. Please commit these before
  // switching branches." and master stays checked out with its file, and no branch is made.
  init("v");
  commit("base");
  write_data(mount("v") / "uncommitted.bin", 16 * kKiB, 5);
  auto before = view("v");
  auto r = dvol({"checkout", "-b", "x"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: volume v has uncommitted changes. Please commit these before switching branches.");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(view("v"), before);
}

TEST_F(BranchCommands, CheckoutKeepsUncommittedDataOnItsOwnBranch) {
  // Given branches master and x, with uncommitted files written on each, when the volume is
  // switched away and back (no --force needed), then each switch says that the branch left
  // keeps its changes, and each branch still has exactly its own uncommitted data and not
  // the other's; `checkout` of the checked-out branch keeps it too.
  init("v");
  auto path = mount("v");
  write_data(path / "base.bin", 16 * kKiB, 1);
  commit("base");
  ok({"checkout", "-b", "x"});
  write_data(path / "on-x.bin", 32 * kKiB, 2);
  auto x_files = files_in(path);
  EXPECT_EQ(ok({"checkout", "master"}), "Switched to branch master.\nBranch x keeps its uncommitted changes.\n");
  write_data(path / "on-master.bin", 32 * kKiB, 3);
  auto master_files = files_in(path);
  EXPECT_EQ(master_files.count("on-x.bin"), 0u);

  EXPECT_EQ(ok({"checkout", "x"}), "Switched to branch x.\nBranch master keeps its uncommitted changes.\n");
  EXPECT_EQ(files_in(path), x_files);
  EXPECT_EQ(ok({"checkout", "-f", "master"}), "Switched to branch master.\n");
  EXPECT_EQ(files_in(path), master_files);
  EXPECT_EQ(read_file(path / "on-master.bin"), data_for(32 * kKiB, 3));
  // Checking out the branch already checked out switches nothing and keeps its data.
  EXPECT_EQ(ok({"checkout", "master"}), "Switched to branch master.\n");
  EXPECT_EQ(files_in(path), master_files);
}

TEST_F(BranchCommands, BranchListsAlphabeticallyMarkingTheCheckedOutOne) {
  // Given branches made in the order zeta, alpha, feature-2, feature-10 and zeta checked out,
  // when `dvol branch` runs, then it lists them in byte order (as git does), "* " before zeta
  // and two spaces before the others.
  init("v");
  commit("base");
  for (auto name : {"zeta", "alpha", "feature-2", "feature-10"}) {
    ok({"checkout", "-b", name});
    ok({"checkout", "master"});
  }
  ok({"checkout", "zeta"});
  auto r = dvol({"branch"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "  alpha\n  feature-10\n  feature-2\n  master\n* zeta\n");
  EXPECT_EQ(ok({"branch", "v"}), r.out);
}

TEST_F(BranchCommands, BranchDeleteOfTheCheckedOutOrAnUnknownBranchIsRefused) {
  // Given branches master (checked out) and x, when `branch -d master` or `branch -d nope`
  // runs, then each exits 1 with a message naming the branch and nothing changes.
  init("v");
  commit("base");
  ok({"checkout", "-b", "x"});
  ok({"checkout", "master"});
  auto before = view("v");
  auto r = dvol({"branch", "-d", "master"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: cannot delete branch 'master': it is checked out");
  EXPECT_EQ(r.out, "");
  r = dvol({"branch", "-d", "nope"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: branch 'nope' does not exist");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(view("v"), before);
}

TEST_F(BranchCommands, BranchDeleteRemovesOnlyThatBranch) {
  // Given master and branches x and y made from it, with a commit on x, when `branch -d x`
  // runs, then it prints "Deleted branch x.", x is gone (checkout x refused), and master's
  // and y's history and data are unchanged.
  init("v");
  auto path = mount("v");
  write_data(path / "base.bin", 16 * kKiB, 1);
  commit("base");
  ok({"checkout", "-b", "y"});
  ok({"checkout", "-b", "x"});
  write_data(path / "x.bin", 16 * kKiB, 2);
  commit("on x");
  ok({"checkout", "y"});
  auto y_view = view("v");
  ok({"checkout", "master"});
  auto master_view = view("v");

  auto r = dvol({"branch", "-d", "x"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Deleted branch x.\n");
  auto after = view("v");
  EXPECT_EQ(after.branches, "* master\n  y\n");
  EXPECT_EQ(after.log, master_view.log);
  EXPECT_EQ(after.files, master_view.files);
  EXPECT_EQ(dvol({"checkout", "x"}).status, 1);
  ok({"checkout", "y"});
  EXPECT_EQ(files_in(path), y_view.files);
  EXPECT_EQ(ok({"log"}), y_view.log);
}

}  // namespace
}  // namespace dvol::test
