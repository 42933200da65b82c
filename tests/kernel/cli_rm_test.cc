// Kernel tests of rm through the CLI: -f, the y/n question, a missing volume, and that nothing
// of a removed volume stays in the kernel or on disk.
#include <nlohmann/json.hpp>

#include "io/loop_device.h"
#include "io/mount.h"
#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kListHeader = "  VOLUME   SIZE   BRANCHES   BRANCH   CONTAINERS\n";
const std::string kQuestion = "Are you sure? (y/n): ";

using RmCommand = CliTest;

TEST_F(RmCommand, ForceRemovesTheVolumeAndEverythingItHadInTheKernel) {
  // Given volume v with commits and two branches (several thin devices, a pool, two loop
  // devices, a mount) next to volume w, when `rm -f v` runs, then it prints "Deleted volume
  // v.", v is gone from list, its directory, dm devices, mount and loop devices are gone, v's
  // commands say it does not exist, and w is untouched.
  init("w");
  init("v");
  auto path = mount("v");
  write_data(path / "f.bin", 64 * 1024, 1);
  commit("one");
  ok({"checkout", "-b", "b"});
  commit("two");
  auto w_view = view("w");
  auto dm_before = new_dm_devices();
  ASSERT_GE(dm_before.size(), 4u) << "two pools and at least two thin devices";

  auto r = dvol({"rm", "-f", "v"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Deleted volume v.\n");
  EXPECT_EQ(r.err, "");

  EXPECT_FALSE(fs::exists(volume_dir("v")));
  EXPECT_FALSE(io::is_mountpoint(path));
  EXPECT_EQ(io::find_loop_device(volume_dir("v") / "data.img"), std::nullopt);
  EXPECT_EQ(io::find_loop_device(volume_dir("v") / "meta.img"), std::nullopt);
  auto list = json::parse(ok({"--json", "list"}));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "w");
  EXPECT_EQ(list[0]["current"], false) << "the removed volume was current; no other becomes current";
  // Only w's devices are left: its pool and its master branch.
  auto left = new_dm_devices();
  EXPECT_EQ(left.size(), 2u);
  for (auto& name : left) EXPECT_TRUE(dm_before.count(name)) << name;
  auto w_mounts = io::mounts_under(root());
  EXPECT_EQ(w_mounts, std::vector<fs::path>{mount("w")});

  for (auto args : std::vector<std::vector<std::string>>{{"log", "v"}, {"path", "v"}, {"rm", "-f", "v"}}) {
    auto again = dvol(args);
    EXPECT_EQ(again.status, 1) << args[0];
    EXPECT_EQ(again.err_line(0), "dvol: volume v does not exist") << args[0];
  }
  auto w_after = view("w");
  EXPECT_EQ(w_after.log, w_view.log);
  EXPECT_EQ(w_after.branches, w_view.branches);
  EXPECT_EQ(w_after.files, w_view.files);
}

TEST_F(RmCommand, AsksAndDeletesOnYes) {
  // Given volume v, when `rm v` runs and the answer is "y" (then, for a second volume, "yes"),
  // then it asks "Are you sure? (y/n): " and deletes the volume.
  init("v");
  init("w");
  for (auto [name, answer] : {std::pair{"v", "y\n"}, std::pair{"w", "yes\n"}}) {
    auto r = dvol({"rm", name}, RunOptions::with_input(answer));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, kQuestion + "Deleted volume " + name + ".\n");
    EXPECT_FALSE(fs::exists(volume_dir(name)));
  }
  EXPECT_EQ(ok({"list"}), kListHeader);
}

TEST_F(RmCommand, KeepsTheVolumeOnNoOtherAnswersOrEndOfInput) {
  // Given volume v with data, when `rm v` is answered "n", "no", "maybe", an empty line, or
  // gets end of input, then each asks, exits non-zero with a "dvol: " line, and v is intact.
  init("v");
  write_data(mount("v") / "keep.bin", 64 * 1024, 1);
  commit("keep");
  auto before = view("v");
  for (std::optional<std::string> answer : {std::optional<std::string>("n\n"), std::optional<std::string>("no\n"),
                                            std::optional<std::string>("maybe\n"), std::optional<std::string>("\n"),
                                            std::optional<std::string>()}) {
    auto r = dvol({"rm", "v"}, RunOptions::with_input(answer));
    EXPECT_NE(r.status, 0) << (answer ? *answer : "EOF");
    EXPECT_TRUE(r.out.starts_with(kQuestion)) << r.out;
    EXPECT_EQ(r.out.find("Deleted"), std::string::npos);
    EXPECT_TRUE(r.err_line(0).starts_with("dvol: ")) << r.err;
  }
  EXPECT_EQ(view("v"), before);
}

TEST_F(RmCommand, RemovingAMissingVolumeIsRefusedWithoutAsking) {
  // Given volume v, when `rm nope` or `rm -f nope` runs, then it exits 1 with "dvol: volume
  // nope does not exist" without asking, and v is untouched.
  init("v");
  auto before = view("v");
  for (auto args : {std::vector<std::string>{"rm", "nope"}, std::vector<std::string>{"rm", "-f", "nope"}}) {
    auto r = dvol(args, RunOptions::with_input("y\n"));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err_line(0), "dvol: volume nope does not exist");
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(view("v"), before);
}

}  // namespace
}  // namespace dvol::test
