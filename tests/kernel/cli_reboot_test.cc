// The reboot test, in two halves that tests/kernel/reboot_test.sh runs in two boots of the test
// kernel on one state directory: Reboot.Before* builds a volume with history and branches and
// records what a user would see; Reboot.After* runs after the reboot, when nothing of dvol is
// active in the kernel, and checks that every command brings back what it needs.
// Outside that script (DVOL_REBOOT_PHASE unset) both are skipped.
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/mount.h"
#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr size_t kFileBytes = 1 << 20;

std::string phase() {
  const char* p = std::getenv("DVOL_REBOOT_PHASE");
  return p ? p : "";
}

fs::path record_file() { return fs::path(std::getenv("DVOL_TEST_STATE")) / "reboot-expected.json"; }

json files_checksums(const std::map<std::string, std::string>& files) {
  json out = json::object();
  for (auto& [name, data] : files) out[name] = checksum(data);
  return out;
}

// Uses a root that survives the first boot: <state>/reboot-root.
class Reboot : public CliTest {
 protected:
  void SetUp() override {
    if (phase().empty()) GTEST_SKIP() << "runs only in tests/kernel/reboot_test.sh (DVOL_REBOOT_PHASE)";
    CliTest::SetUp();
    // Replace the fresh root by the shared one; the fresh one is still empty.
    fs::remove_all(root());
    set_root(fs::path(std::getenv("DVOL_TEST_STATE")) / "reboot-root");
  }
  json files_now(const std::string& volume) { return files_checksums(files_in(mount(volume))); }
};

TEST_F(Reboot, BeforeBuildsHistoryAndBranchesAndRecordsThem) {
  // Given a fresh root, when a volume gets four commits on master, a branch with a commit of
  // its own, and uncommitted data, then what log, branch, list and the files show is recorded
  // for the second boot (and a second volume is left untouched next to it).
  if (phase() != "before") GTEST_SKIP() << "first boot only";
  keep_state_ = true;
  fs::remove_all(root());
  init("other/vol");
  commit("other", "other/vol");
  init("db");
  ok({"config", "user.name", "Reboot Tester"});
  ok({"config", "user.email", "reboot@example.com"});
  auto path = mount("db");
  json rec;
  std::vector<std::string> ids;
  write_data(path / "a.bin", kFileBytes, 1);
  ids.push_back(commit("one"));
  rec["files"]["one"] = files_now("db");
  write_data(path / "b.bin", kFileBytes, 2);
  ids.push_back(commit("two"));
  rec["files"]["two"] = files_now("db");
  ok({"checkout", "-b", "side"});
  write_data(path / "side.bin", kFileBytes, 3);
  ids.push_back(commit("on side"));
  rec["files"]["side"] = files_now("db");
  rec["log"]["side"] = ok({"log"});
  ok({"checkout", "master"});
  overwrite_in_place(path / "a.bin", 4);
  ids.push_back(commit("three"));
  rec["files"]["three"] = files_now("db");
  write_data(path / "c.bin", kFileBytes, 5);
  ids.push_back(commit("four"));
  rec["files"]["four"] = files_now("db");
  write_data(path / "uncommitted.bin", kFileBytes, 6);  // synced: it must survive the reboot
  rec["files"]["live"] = files_now("db");
  rec["log"]["master"] = ok({"log"});
  rec["ids"] = ids;
  rec["path"] = path.string();
  rec["branch"] = ok({"branch"});
  rec["list"] = ok({"list"});
  std::ofstream(record_file()) << rec.dump(2);
  ASSERT_TRUE(fs::exists(record_file()));
}

TEST_F(Reboot, AfterEveryCommandBringsBackWhatItNeeds) {
  // Given the state of the first boot and a kernel with nothing of dvol active, when list,
  // log, branch, path, checkout both ways, reset --hard to an old commit and a new commit run,
  // then each shows exactly what was recorded, the files have their recorded bytes, and the
  // volume works as before; finally both volumes are removed and nothing is left.
  if (phase() != "after") GTEST_SKIP() << "second boot only";
  ASSERT_TRUE(fs::exists(record_file())) << "the first boot did not record its state";
  json rec = json::parse(std::ifstream(record_file()));
  EXPECT_EQ(dvol_dm_devices(), std::set<std::string>{}) << "a reboot leaves nothing active";
  EXPECT_EQ(io::mounts_under(root()), std::vector<fs::path>{});

  EXPECT_EQ(ok({"list"}), rec["list"]);
  // Nothing was written to other/vol after its commit: brought up again after the reboot (its
  // filesystem mounted anew, which stamps it), it has no changed data.
  EXPECT_EQ(lines_of(ok({"diff", "other/vol"})).at(0),
            "0 bytes have changed between \"other\" and latest uncommitted changes.");
  EXPECT_EQ(ok({"log"}), rec["log"]["master"]);
  EXPECT_EQ(ok({"branch"}), rec["branch"]);
  auto path = mount("db");
  EXPECT_EQ(path.string(), rec["path"]);
  EXPECT_EQ(files_checksums(files_in(path)), rec["files"]["live"]) << "uncommitted data survives";

  EXPECT_EQ(ok({"checkout", "--force", "side"}), "Switched to branch side.\n");
  EXPECT_EQ(ok({"log"}), rec["log"]["side"]);
  EXPECT_EQ(files_now("db"), rec["files"]["side"]);
  EXPECT_EQ(ok({"checkout", "master"}), "Switched to branch master.\n");
  EXPECT_EQ(files_now("db"), rec["files"]["live"]);

  std::string two = rec["ids"][1];
  EXPECT_EQ(ok({"reset", "--hard", two.substr(0, 5)}), "Resetting db to commit " + two.substr(0, 7) + " \"two\"... done.\n");
  EXPECT_EQ(files_now("db"), rec["files"]["two"]);
  auto log = json::parse(ok({"--json", "log"}));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["id"], two);

  write_data(path / "after-reboot.bin", kFileBytes, 7);
  auto id = commit("after reboot");
  EXPECT_EQ(json::parse(ok({"--json", "log"}))[0]["id"], id);
  EXPECT_EQ(lines_of(ok({"log"})).at(1), "Author: Reboot Tester <reboot@example.com>");
  EXPECT_EQ(ok({"reset", "--hard", "HEAD"}), "Resetting db to latest commit... done.\n");
  EXPECT_EQ(read_file(path / "after-reboot.bin"), data_for(kFileBytes, 7));
  // Rebooting, mounting, reading every file, committing and switching made no user-visible
  // change: checkout -b needs no --force.
  files_in(path);
  auto b = dvol({"checkout", "-b", "after-reboot"});
  EXPECT_EQ(b.status, 0) << b.err;

  EXPECT_EQ(json::parse(ok({"--json", "log", "other/vol"})).size(), 1u);
  // TearDown removes both volumes with `dvol rm -f` and checks nothing is left.
}

}  // namespace
}  // namespace dvol::test
