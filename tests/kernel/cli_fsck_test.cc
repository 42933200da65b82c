// Kernel tests of `dvol fsck`: what it reports on a healthy volume, and what it repairs or
// reports after the pool was changed behind dvol's back (the power-cut driver,
// tests/powercut, covers the repairs after real crashes).
#include <nlohmann/json.hpp>
#include <sstream>

#include "dm/libdm_control.h"
#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Word `i` of `text` ("" if there is none).
std::string words_at(const std::string& text, size_t i) {
  std::istringstream in(text);
  std::string w;
  for (size_t k = 0; k <= i; ++k)
    if (!(in >> w)) return "";
  return w;
}

class Fsck : public CliTest {
 protected:
  // The pool of the volume this test made.
  dm::DmName pool() {
    for (const auto& name : new_dm_devices())
      if (name.size() > 5 && name.ends_with("-pool")) return dm::DmName(name);
    throw std::runtime_error("no pool");
  }
  void send(const std::string& message) { control_.message(pool(), message); }
  std::string pool_status() { return control_.status(pool()).at(0).params; }

  dm::LibDmControl control_;
};

TEST_F(Fsck, ReportsAHealthyVolumeAndRepairsNothing) {
  // Given a volume with two branches and two commits, when `dvol fsck v` runs, then it exits 0
  // with one line "v: ok (...)" and no repair; --json says the same with the figures.
  init("v");
  auto path = mount("v");
  write_data(path / "a", 64 * 1024, 1);
  commit("one", "v");
  ok({"checkout", "-b", "side", "v"});
  write_data(path / "b", 64 * 1024, 2);
  commit("two", "v");
  auto before = view("v");

  auto out = ok({"fsck", "v"});
  ASSERT_EQ(lines_of(out).size(), 1u) << out;
  EXPECT_TRUE(out.starts_with("v: ok (2 branches, 2 commits, pool transaction ")) << out;
  auto j = json::parse(ok({"--json", "fsck", "v"}));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["ok"], true);
  EXPECT_EQ(j[0]["thin_devices"], 4);  // two branches, two commits
  EXPECT_TRUE(j[0]["repaired"].empty());
  EXPECT_EQ(view("v"), before);
}

TEST_F(Fsck, DeletesAThinDeviceThatNothingUses) {
  // Given a thin device made in the volume's pool behind dvol's back, when fsck runs, then it
  // deletes it and says so, the volume is unchanged, and a second fsck has nothing to repair.
  init("v");
  write_data(mount("v") / "a", 64 * 1024, 1);
  commit("one", "v");
  auto before = view("v");
  send("create_thin 4242");

  auto out = ok({"fsck", "v"});
  EXPECT_NE(out.find("  repaired: deleted thin device 4242, which no branch or commit used\n"), std::string::npos) << out;
  EXPECT_EQ(ok({"fsck", "v"}).find("repaired"), std::string::npos);
  EXPECT_EQ(view("v"), before);
}

TEST_F(Fsck, TheNextCommandCleansUpADiffCutOffByACrash) {
  // Given what a diff cut off by a crash leaves in the pool (its snapshot of the live data,
  // under the thin id kept for it, and the metadata snapshot held), when fsck runs, then it
  // releases the one and deletes the other and says so, a second fsck finds only master and
  // the commit, and diff (which makes both again) works.
  init("v");
  write_data(mount("v") / "a", 64 * 1024, 1);
  commit("one", "v");
  send("create_snap 16777215 0");
  send("reserve_metadata_snap");
  ASSERT_NE(words_at(pool_status(), 3), "-");

  auto out = ok({"fsck", "v"});
  EXPECT_NE(out.find("  repaired: released the pool's metadata snapshot and deleted the snapshot of the live data "
                     "that an interrupted diff held\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(words_at(pool_status(), 3), "-");
  auto again = ok({"--json", "fsck", "v"});
  EXPECT_NE(again.find("\"thin_devices\": 2"), std::string::npos) << again;
  EXPECT_EQ(again.find("deleted"), std::string::npos) << again;
  auto diff = dvol({"diff", "v"});
  EXPECT_EQ(diff.status, 0) << diff.err;
}

TEST_F(Fsck, DeletesADiffSnapshotLeftWithoutItsMetadataSnapshot) {
  // Given a diff snapshot left alone (a crash in the instant between making it and holding the
  // metadata snapshot), when fsck runs, then it deletes it and says what it was.
  init("v");
  commit("one", "v");
  send("create_snap 16777215 0");

  auto out = ok({"fsck", "v"});
  EXPECT_NE(out.find("  repaired: deleted the snapshot of the live data that an interrupted diff left\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(ok({"fsck", "v"}).find("repaired"), std::string::npos);
}

TEST_F(Fsck, ReportsACommitWhoseDataWasDeletedBehindDvolsBack) {
  // Given a commit whose thin device was deleted from the pool by hand (thin id 1: the first
  // commit after master's 0), when fsck runs, then it exits 1 naming the commit, and the
  // checked-out branch still has its files.
  init("v");
  auto path = mount("v");
  write_data(path / "a", 64 * 1024, 1);
  auto id = commit("one", "v");
  send("delete 1");

  auto r = dvol({"fsck", "v"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("v: 1 problem ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  problem:  the data of commit " + id.substr(0, 7) + " is missing from the pool (thin device 1)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.err, "dvol: 1 problem found that dvol could not repair (see above)\n");
  EXPECT_EQ(read_file(path / "a"), data_for(64 * 1024, 1));
}

TEST_F(Fsck, WithoutAVolumeChecksEveryVolumeAndSweepsAHalfCreatedOne) {
  // Given two volumes and the directory an init cut off by a crash leaves behind, when
  // `dvol fsck` runs without a volume, then it reports both volumes in name order and the
  // half-created directory is gone.
  init("b");
  init("a");
  auto half = root() / "volumes" / ".new-0badc0de";
  fs::create_directories(half);
  write_data(half / "data.img", 4096, 1);

  auto out = ok({"fsck"});
  auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_TRUE(lines[0].starts_with("a: ok (1 branch, 0 commits, ")) << out;
  EXPECT_TRUE(lines[1].starts_with("b: ok (1 branch, 0 commits, ")) << out;
  EXPECT_FALSE(fs::exists(half));
}

}  // namespace
}  // namespace dvol::test
