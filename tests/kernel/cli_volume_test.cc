// Kernel tests of the volume commands through the CLI: init, list (ls), switch, path, status,
// and usage errors. Exact output per docs/cli.md.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/mount.h"
#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kMiB = 1 << 20;
constexpr size_t kKiB = 1 << 10;
const std::string kListHeader = "  VOLUME   SIZE   BRANCHES   BRANCH   CONTAINERS\n";

// The SIZE cell for `bytes` per the rule of src/size_format.h, computed independently for the
// range these tests produce (below 1000 MiB): whole KiB below 1 MiB, else MiB with two
// decimals; both rounded half up, and a KiB figure that rounds to 1024 shows as "1.00M".
std::string size_cell(uint64_t bytes) {
  EXPECT_LT(bytes, 1000 * kMiB);
  uint64_t kib = (bytes + 512) / 1024;
  if (bytes < kMiB && kib < 1024) return std::to_string(kib) + "K";
  uint64_t hundredths = (bytes * 100 + kMiB / 2) / kMiB;
  return fmt::format("{}.{:02}M", hundredths / 100, hundredths % 100);
}

// The filesystem type mounted at `path`, from /proc/mounts.
std::string fstype_at(const fs::path& path) {
  std::ifstream in("/proc/mounts");
  std::string dev, mnt, type, rest;
  while (in >> dev >> mnt >> type && std::getline(in, rest))
    if (mnt == path.string()) return type;
  return "";
}

using VolumeCommands = CliTest;

TEST_F(VolumeCommands, InitCreatesAnEmptyMountedMasterBranchAndMakesTheVolumeCurrent) {
  // Given an empty root, when `dvol init v` runs, then it prints exactly "Created empty volume
  // v.", the volume is current with one branch, master, no commits, and its path is a mounted
  // empty ext4 filesystem of the requested size.
  auto r = dvol({"init", "v", "--size", "256M"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Created empty volume v.\n");
  EXPECT_EQ(r.err, "");

  EXPECT_EQ(ok({"branch"}), "* master\n");
  EXPECT_EQ(ok({"log"}), "");
  auto path = mount("v");
  EXPECT_EQ(ok({"path"}), path.string() + "\n") << "without VOLUME, path acts on the current volume";
  EXPECT_TRUE(io::is_mountpoint(path));
  EXPECT_EQ(fstype_at(path), "ext4");
  EXPECT_EQ(names_in(path), std::set<std::string>{}) << "no lost+found: databases initialise right here";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, 0u);
  auto status = json::parse(ok({"--json", "status"}));
  EXPECT_EQ(status["volume"], "v");
  EXPECT_EQ(status["branch"], "master");
  EXPECT_EQ(status["head"], nullptr);
  EXPECT_EQ(status["fs"], "ext4");
  EXPECT_EQ(status["size_bytes"], 256 * kMiB);
  EXPECT_EQ(status["path"], path.string());
}

TEST_F(VolumeCommands, InitOfAnExistingVolumeIsRefusedAndChangesNothing) {
  // Given volume v with a file, when `dvol init v` runs again (even asking for xfs), then it
  // is refused with "dvol: volume v already exists", exit 1, and the volume is unchanged.
  init("v");
  write_data(mount("v") / "keep.bin", 4096, 1);
  commit("first");
  auto before = view("v");

  for (auto args : {std::vector<std::string>{"init", "v", "--size", "256M"},
                    std::vector<std::string>{"init", "v", "--size", "512M", "--fs", "xfs"}}) {
    auto r = dvol(args);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err_line(0), "dvol: volume v already exists");
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(view("v"), before);
}

TEST_F(VolumeCommands, InitWithXfsServesAnXfsFilesystemThatCommitsAndResets) {
  // Given `dvol init x --fs xfs`, when a file is written, committed, changed and reset, then
  // the branch is an xfs mount and the reset brings back the committed bytes.
  auto r = dvol({"init", "x", "--fs", "xfs", "--size", "512M"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Created empty volume x.\n");
  auto path = mount("x");
  EXPECT_EQ(fstype_at(path), "xfs");
  EXPECT_EQ(json::parse(ok({"--json", "status"}))["fs"], "xfs");
  EXPECT_EQ(lines_of(ok({"status"})).at(4), "Path:        " + path.string() + " (xfs, 512.00M)");

  EXPECT_EQ(names_in(path), std::set<std::string>{});
  write_data(path / "f.bin", 1 * kMiB, 7);
  commit("on xfs");
  overwrite_in_place(path / "f.bin", 8);
  EXPECT_EQ(ok({"reset", "--hard", "HEAD"}), "Resetting x to latest commit... done.\n");
  EXPECT_EQ(read_file(mount("x") / "f.bin"), data_for(1 * kMiB, 7));
}

TEST_F(VolumeCommands, AVolumeMadeByAnEarlierDvolKeepsServingItsWholeFilesystem) {
  // Given a volume as an earlier dvol made it (its dvol.db at schema 1, which has no data
  // directory: users got the filesystem's root), when it is used after a reboot (nothing
  // mounted), then its path is the whole filesystem as before, with what was written there,
  // and commit, diff -v (paths from the root), checkout -b and reset work on it.
  init("old");
  auto path = mount("old");
  write_data(path / "written.bin", 64 * kKiB, 1);
  ASSERT_EQ(run_process({"/bin/umount", path.string()}, {}, {}).status, 0);
  auto db = volume_dir("old") / "dvol.db";
  auto r = run_process({"/usr/bin/sqlite3", db.string(), "ALTER TABLE volume DROP COLUMN data_dir; PRAGMA user_version = 1;"},
                       {}, {});
  ASSERT_EQ(r.status, 0) << r.err;

  EXPECT_EQ(ok({"path", "old"}), path.string() + "\n");
  EXPECT_EQ(names_in(path), (std::set<std::string>{"data", "lost+found"}));
  EXPECT_EQ(read_file(path / "data" / "written.bin"), data_for(64 * kKiB, 1));
  commit("on the old layout", "old");
  write_data(path / "top.bin", 4096, 2);
  ::sync();
  auto j = json::parse(ok({"--json", "diff", "-v", "old"}));
  ASSERT_EQ(j["files"].size(), 1u) << j.dump();
  EXPECT_EQ(j["files"][0]["path"], "top.bin");
  EXPECT_EQ(j["bytes_changed"], 4096u);
  EXPECT_EQ(ok({"reset", "--hard", "HEAD", "old"}), "Resetting old to latest commit... done.\n");
  EXPECT_FALSE(fs::exists(path / "top.bin"));
  ok({"checkout", "-b", "side", "old"});
  EXPECT_EQ(read_file(mount("old") / "data" / "written.bin"), data_for(64 * kKiB, 1));
}

// What a query could change in the kernel and on disk: device-mapper tables and status, the
// pool files' sizes, the mount table.
std::string kernel_state(const fs::path& volume_dir) {
  const std::vector<std::string> env{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  std::string out = run_process({"/sbin/dmsetup", "table"}, env, {}).out;
  out += run_process({"/sbin/dmsetup", "status"}, env, {}).out;
  for (const char* file : {"data.img", "meta.img"})
    out += std::string(file) + " " + std::to_string(fs::file_size(volume_dir / file)) + "\n";
  for (const auto& m : io::mounts_under("/")) out += m.string() + "\n";
  return out;
}

TEST_F(VolumeCommands, QueriesChangeNothingInTheKernel) {
  // Given a volume with a commit, live and then taken down as a reboot leaves it, when list,
  // log, branch and doctor run, then device-mapper's tables and status, the pool files' sizes
  // and the mount table are exactly as before: a query never brings anything up.
  init("v");
  write_data(mount("v") / "f.bin", 64 * kKiB, 1);
  commit("first");
  auto queries = [&] {
    (void)ok({"list"});
    (void)ok({"--json", "list"});
    (void)ok({"log", "v"});
    (void)ok({"branch", "v"});
    (void)dvol({"doctor"});  // exit 1 where Docker is missing: only what it changes counts
  };
  auto live = kernel_state(volume_dir("v"));
  queries();
  EXPECT_EQ(kernel_state(volume_dir("v")), live);

  for (auto& m : io::mounts_under(volume_dir("v"))) ASSERT_EQ(run_process({"/bin/umount", m.string()}, {}, {}).status, 0);
  auto devices = dvol_dm_devices();
  std::vector<std::string> order(devices.begin(), devices.end());
  std::stable_partition(order.begin(), order.end(), [](const std::string& n) { return !n.ends_with("-pool"); });
  for (const auto& name : order)
    ASSERT_EQ(run_process({"/sbin/dmsetup", "remove", name}, {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, {}).status, 0);
  auto down = kernel_state(volume_dir("v"));
  queries();
  EXPECT_EQ(kernel_state(volume_dir("v")), down);
  EXPECT_TRUE(dvol_dm_devices().empty());
}

TEST_F(VolumeCommands, ListWithNoVolumesPrintsOnlyTheHeader) {
  // Given an empty root, when `dvol list` and `dvol ls` run, then each prints only the header.
  auto r = dvol({"list"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kListHeader);
  EXPECT_EQ(ok({"ls"}), kListHeader);
  EXPECT_EQ(json::parse(ok({"--json", "list"})), json::array());
}

TEST_F(VolumeCommands, ListShowsOneSortedRowPerVolumeWithHostSizeBranchesAndCurrentMarker) {
  // Given volumes "beta/db" and "alpha" (current, two branches, feature checked out), when
  // `dvol list` runs, then rows are sorted by name, "* " marks alpha, BRANCHES and BRANCH are
  // right, SIZE is the pool's used data as bytes in --json and as the size rule in the table,
  // and the columns are padded to the widest cell plus three spaces.
  init("beta/db");
  init("alpha");
  commit("base");
  ok({"checkout", "-b", "feature"});

  auto list_json = json::parse(ok({"--json", "list"}));
  auto text = ok({"list"});
  EXPECT_EQ(ok({"ls"}), text);
  ASSERT_EQ(list_json.size(), 2u);
  EXPECT_EQ(list_json[0]["name"], "alpha");
  EXPECT_EQ(list_json[0]["branches"], 2);
  EXPECT_EQ(list_json[0]["branch"], "feature");
  EXPECT_EQ(list_json[0]["current"], true);
  EXPECT_EQ(list_json[1]["name"], "beta/db");
  EXPECT_EQ(list_json[1]["branches"], 1);
  EXPECT_EQ(list_json[1]["branch"], "master");
  EXPECT_EQ(list_json[1]["current"], false);
  uint64_t alpha = list_json[0]["size_bytes"], beta = list_json[1]["size_bytes"];
  EXPECT_EQ(alpha, json::parse(ok({"--json", "status", "alpha"}))["data_used_bytes"].get<uint64_t>());

  auto a = size_cell(alpha), b = size_cell(beta);
  size_t w = std::max<size_t>({4, a.size(), b.size()}) + 3;
  std::string expected = "  VOLUME    " + fmt::format("{:<{}}", "SIZE", w) + "BRANCHES   BRANCH    CONTAINERS\n" +
                         "* alpha     " + fmt::format("{:<{}}", a, w) + "2          feature\n" +
                         "  beta/db   " + fmt::format("{:<{}}", b, w) + "1          master\n";
  EXPECT_EQ(text, expected);
}

TEST_F(VolumeCommands, ListSizeGrowsWithDataWrittenToTheVolume) {
  // Given a volume, when 16 MiB of data are written to its branch, then its SIZE in `dvol list`
  // grows by at least that much (SIZE is the space really taken on the host).
  init("v");
  uint64_t before = used_bytes("v");
  write_data(mount("v") / "big.bin", 16 * kMiB, 3);
  uint64_t after = used_bytes("v");
  EXPECT_GE(after, before + 16 * kMiB);
  EXPECT_LT(after, before + 20 * kMiB);
}

TEST_F(VolumeCommands, SwitchMakesAnotherVolumeCurrentSilently) {
  // Given volumes a and b (b current, from the last init), when `dvol switch a` runs, then it
  // prints nothing, list marks a, and commands without VOLUME act on a.
  init("a");
  init("b");
  auto r = dvol({"switch", "a"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  auto list = json::parse(ok({"--json", "list"}));
  EXPECT_EQ(list[0]["current"], true);
  EXPECT_EQ(list[1]["current"], false);
  EXPECT_EQ(ok({"path"}), mount("a").string() + "\n");
  commit("on a");
  EXPECT_NE(ok({"log", "a"}), "");
  EXPECT_EQ(ok({"log", "b"}), "");
}

TEST_F(VolumeCommands, CommandsOnAMissingVolumeAreRefusedAndKeepTheCurrentOne) {
  // Given current volume v and no volume "nope", when switch, log, branch, status, path and
  // commit name nope, then each exits 1 with "dvol: volume nope does not exist", prints nothing
  // on stdout, and v stays current.
  init("v");
  auto before = ok({"list"});
  for (auto args : std::vector<std::vector<std::string>>{{"switch", "nope"},
                                                         {"log", "nope"},
                                                         {"branch", "nope"},
                                                         {"status", "nope"},
                                                         {"path", "nope"},
                                                         {"commit", "-m", "x", "nope"}}) {
    auto r = dvol(args);
    EXPECT_EQ(r.status, 1) << args[0];
    EXPECT_EQ(r.err_line(0), "dvol: volume nope does not exist") << args[0];
    EXPECT_EQ(r.out, "") << args[0];
  }
  EXPECT_EQ(ok({"list"}), before);
  EXPECT_EQ(ok({"path"}), mount("v").string() + "\n");
}

TEST_F(VolumeCommands, JsonOutputOfListLogBranchAndStatusParses) {
  // Given a volume with two commits on master and a second branch, when list, log, branch and
  // status run with --json, then each prints one JSON document carrying the same facts as the
  // text output.
  init("v");
  auto c1 = commit("one");
  auto c2 = commit("two\nlines");
  ok({"checkout", "-b", "side"});
  ok({"checkout", "master"});

  auto list = json::parse(ok({"--json", "list"}));
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list[0]["name"], "v");
  EXPECT_EQ(list[0]["branches"], 2);
  EXPECT_TRUE(list[0]["containers"].is_array());

  auto log = json::parse(ok({"log", "--json"}));
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["id"], c2);
  EXPECT_EQ(log[0]["message"], "two\nlines");
  EXPECT_EQ(log[0]["parent"], c1);
  EXPECT_EQ(log[1]["id"], c1);
  EXPECT_EQ(log[1]["parent"], nullptr);
  EXPECT_TRUE(log[0]["author"].is_string());
  EXPECT_TRUE(log[0]["time"].is_number_integer());

  EXPECT_EQ(json::parse(ok({"--json", "branch"})),
            json::parse(R"([{"name":"master","current":true},{"name":"side","current":false}])"));

  auto status = json::parse(ok({"--json", "status", "v"}));
  EXPECT_EQ(status["head"], c2);
  EXPECT_EQ(status["branch"], "master");
  EXPECT_GT(status["data_used_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(status["data_total_bytes"].get<uint64_t>(), status["data_used_bytes"].get<uint64_t>());
  EXPECT_GT(status["metadata_total_bytes"].get<uint64_t>(), status["metadata_used_bytes"].get<uint64_t>());
}

TEST_F(VolumeCommands, StatusShowsVolumeBranchHeadChangesPathAndPoolUsage) {
  // Given a volume with a commit, when `dvol status` runs before and after a file is written,
  // then it names the volume, branch, HEAD (short id and first message line), whether there
  // are uncommitted changes, the path, and pool data and metadata used of total.
  init("v");
  auto id = commit("first line\nsecond line");
  auto text = ok({"status"});
  auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 8u) << text;
  EXPECT_EQ(lines[0], "Volume:      v");
  EXPECT_EQ(lines[1], "Branch:      master");
  EXPECT_EQ(lines[2], "HEAD:        " + id.substr(0, 7) + " \"first line\"");
  EXPECT_EQ(lines[3], "Uncommitted: no");
  EXPECT_EQ(lines[4], "Path:        " + mount("v").string() + " (ext4, 256.00M)");
  EXPECT_EQ(lines[5], "Containers:  (none)");
  EXPECT_TRUE(lines[6].starts_with("Pool data:   ") && lines[6].ends_with(" used of 320.00M")) << lines[6];  // 256M + one 64M step
  EXPECT_TRUE(lines[7].starts_with("Pool meta:   ") && lines[7].find(" used of ") != std::string::npos) << lines[7];

  write_data(mount("v") / "new.bin", 8192, 1);
  EXPECT_EQ(lines_of(ok({"status"})).at(3), "Uncommitted: yes (dvol diff -v shows them)");
}

// ---- usage errors: exit 2, one "dvol: " line, nothing done ----

class UsageErrors : public CliTest, public ::testing::WithParamInterface<std::vector<std::string>> {};

TEST_P(UsageErrors, ExitWithStatus2AndChangeNothing) {
  // Given an empty root, when dvol runs with an unknown command or option, or a wrong number of
  // arguments, then it exits 2 with a "dvol: " line on stderr, prints nothing on stdout, and
  // creates no volume.
  auto r = dvol(GetParam());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_TRUE(r.err_line(0).starts_with("dvol: ")) << r.err;
  EXPECT_EQ(r.out, "");
  std::error_code ec;
  EXPECT_TRUE(!fs::exists(root() / "volumes") || fs::is_empty(root() / "volumes", ec));
}

INSTANTIATE_TEST_SUITE_P(
    Cli, UsageErrors,
    ::testing::Values(std::vector<std::string>{}, std::vector<std::string>{"bogus"},
                      std::vector<std::string>{"--bogus", "list"}, std::vector<std::string>{"list", "--bogus"},
                      std::vector<std::string>{"init"}, std::vector<std::string>{"init", "v", "--size"},
                      std::vector<std::string>{"init", "-x"}, std::vector<std::string>{"init", "v", "--wrong", "1"},
                      std::vector<std::string>{"switch"}, std::vector<std::string>{"switch", "a", "b"},
                      std::vector<std::string>{"commit", "-m"}, std::vector<std::string>{"commit", "-m", "x", "v", "w"},
                      std::vector<std::string>{"reset", "--hard"}, std::vector<std::string>{"checkout"},
                      std::vector<std::string>{"rm"}, std::vector<std::string>{"branch", "-d"},
                      std::vector<std::string>{"log", "a", "b"}));

TEST_F(VolumeCommands, UnknownCommandIsNamedInTheError) {
  // Given dvol, when run with a command that does not exist, then the error names it.
  auto r = dvol({"comit", "-m", "x"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err_line(0), "dvol: 'comit' is not a dvol command");
}

}  // namespace
}  // namespace dvol::test
