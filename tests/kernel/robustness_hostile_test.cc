// Kernel tests of hostile input (issue 6, part 4): names and references beyond what users type,
// 1 MiB commit messages, a damaged metadata database, a state directory edited by hand, devices
// removed behind dvol's back and a missing kernel module. Each must give a clear error (exit 1,
// one "dvol: " line a user can act on, never an internal error) and destroy nothing: the other
// volumes and every committed state stay intact, and once the problem is undone the volume
// works again. (cli_names_test.cc covers each class of invalid name at its limit; the reference
// syntax is covered by the reset, diff and commit -d tests and fuzz_ref.)
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <fstream>

#include "dm/libdm_control.h"
#include "io/mount.h"
#include "tests/kernel/robustness_support.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Exit 1, stdout empty, a first line "dvol: ..." that contains `words`, no internal error.
::testing::AssertionResult refused(const Result& r, const std::string& words) {
  auto first = r.err_line(0);
  if (r.status == 1 && r.out.empty() && first.rfind("dvol: ", 0) == 0 && first.find(words) != std::string::npos &&
      r.err.find("internal error") == std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "exit " << r.status << ", expected a refusal with '" << words
                                       << "'\nstdout: " << r.out.substr(0, 300) << "\nstderr: " << r.err;
}

// Modification time and size of a file: equal before and after means nothing wrote it.
std::pair<int64_t, uintmax_t> stamp(const fs::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return {-1, 0};
  return {st.st_mtim.tv_sec * 1'000'000'000ll + st.st_mtim.tv_nsec, static_cast<uintmax_t>(st.st_size)};
}

class Hostile : public CliTest {
 protected:
  // Two volumes: v (the current one) and w, each with one commit of known data.
  void make_two_volumes() {
    init("w");
    init("v");
    write_data(mount("v") / "data", 64 << 10, 21);
    write_data(mount("w") / "data", 64 << 10, 22);
    commit("v-base", "v");
    commit("w-base", "w");
  }
  void expect_volume_intact(const std::string& volume, unsigned seed) {
    SCOPED_TRACE("volume " + volume);
    auto path = mount(volume);  // brings the volume up if it was taken down
    auto bad = volume_invariant_violations(volume_dir(volume));
    EXPECT_EQ(bad, std::vector<std::string>{}) << joined(bad);
    EXPECT_NE(ok({"log", volume}).find("\n    " + volume + "-base\n"), std::string::npos) << "its first commit";
    EXPECT_EQ(read_file(path / "data"), data_for(64 << 10, seed));
  }
  // Takes the volume out of the kernel the way a reboot does (unmount, remove its devices; the
  // loop devices go with the pool), without dvol.
  void take_down(const std::string& volume) {
    auto uid = read_volume_db(volume_dir(volume) / "dvol.db").uid;
    for (auto& m : io::mounts_under(volume_dir(volume))) io::unmount(m);
    dm::LibDmControl control;
    std::vector<std::string> ours;
    for (auto& name : control.list())
      if (name.rfind("dvol-" + uid + "-", 0) == 0) ours.push_back(name);
    std::stable_partition(ours.begin(), ours.end(), [](const std::string& n) { return !n.ends_with("-pool"); });
    for (auto& name : ours) control.remove(dm::DmName(name));
  }
  static void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
};

// ---- names and references ----

TEST_F(Hostile, NamesWithTraversalOddBytesOrHugeLengthAreRefusedEverywhere) {
  // Given volume v, when init, switch, commit, log, rm and checkout are given names that
  // climb out of the state root, hold bytes that are not UTF-8 or control characters, or are
  // 100 KB long, then each is refused as an invalid name (the bytes shown escaped), nothing
  // is created anywhere, and v is unchanged.
  make_two_volumes();
  auto before = view("v");
  const std::vector<std::string> names = {"../../../etc",          "v/../../w",         "./v",
                                          "\xff\xfe",              "v\xc3\x28",         "v\x1b[31mred",
                                          "v\nx",                  std::string(100'000, 'n'), "%2e%2e",
                                          "v/" + std::string(200, 'x')};
  for (const auto& name : names) {
    SCOPED_TRACE(name.substr(0, 40));
    for (auto args : std::vector<std::vector<std::string>>{{"init", "--size", "256M", "--", name},
                                                           {"switch", "--", name},
                                                           {"commit", "-m", "x", "--", name},
                                                           {"log", "--", name},
                                                           {"rm", "-f", "--", name}}) {
      auto r = dvol(args);
      EXPECT_TRUE(refused(r, "is not a valid volume name")) << args[0];
      EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "control bytes are escaped";
      EXPECT_LT(r.err.size(), 1000u + name.size() * 4) << "one line and a hint";
    }
    auto r = dvol({"checkout", "-b", "--", name, "v"});
    EXPECT_TRUE(refused(r, "is not a valid branch name"));
  }
  std::vector<std::string> dirs;
  for (auto& e : fs::directory_iterator(root() / "volumes")) dirs.push_back(e.path().filename());
  std::sort(dirs.begin(), dirs.end());
  EXPECT_EQ(dirs, (std::vector<std::string>{"v", "w"}));
  EXPECT_FALSE(fs::exists(root().parent_path() / "etc"));
  EXPECT_EQ(view("v"), before);
}

TEST_F(Hostile, HugeAndNonUtf8ReferencesAreRefusedAndChangeNothing) {
  // Given volume v with a commit, when reset --hard, diff and commit -d are given a 100 KB
  // reference, 50,000 carets, bytes that are not UTF-8 and an escape sequence, then each is
  // refused with one line naming a bad reference (escaped), and v is unchanged.
  make_two_volumes();
  auto before = view("v");
  for (const std::string& ref : {std::string(100'000, 'a'), "HEAD" + std::string(50'000, '^'), std::string("\xff\xfe"),
                                std::string("HEAD\x1b]0;owned\x07")}) {
    SCOPED_TRACE(ref.substr(0, 20));
    for (auto args : std::vector<std::vector<std::string>>{
             {"reset", "--hard", ref, "v"}, {"diff", ref, "v"}, {"commit", "-d", ref, "v"}}) {
      auto r = dvol(args);
      EXPECT_EQ(r.status, 1) << args[0] << ": " << r.err.substr(0, 300);
      EXPECT_EQ(r.err.rfind("dvol: ", 0), 0u) << r.err.substr(0, 300);
      EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
      EXPECT_EQ(r.err.find("internal error"), std::string::npos);
    }
  }
  EXPECT_EQ(view("v"), before);
}

TEST_F(Hostile, PluginRequestsWithHostileNamesAreRefusedAndCreateNothing) {
  // Given a plugin serving the root and volume v, when Create, Mount, Get, Path and Remove
  // name a volume with traversal, a NUL byte, 10,000 bytes or a segment of dots, then each
  // reply is an Err naming the invalid name, and no volume is created.
  make_two_volumes();
  auto socket = root() / "plugin.sock";
  Background plugin({dvol_binary(), "--no-docker", "plugin", "--socket", socket.string()}, dvol_env(root()), root(),
                    "plugin");
  ASSERT_TRUE(wait_for_socket(socket, 30));
  for (const std::string& name : {std::string("../../x"), std::string("a\0b", 3), std::string(10'000, 'p'),
                                 std::string("v/.."), std::string("..")}) {
    for (const std::string method : {"VolumeDriver.Create", "VolumeDriver.Mount", "VolumeDriver.Get",
                                     "VolumeDriver.Path", "VolumeDriver.Remove"}) {
      auto reply = plugin_call(socket, method, {{"Name", name}, {"ID", std::string(64, 'a')}});
      EXPECT_EQ(reply.http_status, 200) << method;
      ASSERT_TRUE(reply.body.is_object()) << method << ": " << reply.raw;
      EXPECT_NE(reply.body.value("Err", std::string()).find("is not a valid volume name"), std::string::npos)
          << method << ": " << reply.raw.substr(0, 300);
    }
  }
  plugin.kill_now();
  (void)plugin.wait();
  std::vector<std::string> dirs;
  for (auto& e : fs::directory_iterator(root() / "volumes")) dirs.push_back(e.path().filename());
  EXPECT_EQ(dirs.size(), 2u);
  expect_volume_intact("v", 21);
}

// ---- messages ----

TEST_F(Hostile, OneMebibyteMessagesAreKeptByteForByteFromAFileOrStdin) {
  // Given volume v, when commits are made with 1 MiB messages read from a file (-F FILE) and
  // from standard input (-F -), with many lines, bytes that are not UTF-8 and a trailing
  // newline, then log shows each message in full (every line indented), an empty file is
  // refused like an empty -m, a missing file is refused naming it, and -m with -F is a usage
  // error. (-m itself is limited by the kernel's 128 KiB per argument.)
  init("v");
  std::string message;
  for (int i = 0; message.size() < (1 << 20) - 100; ++i)
    message += "line " + std::to_string(i) + " caf\xc3\xa9 \xff\xfe " + std::string(40, 'x') + "\n";
  message.resize(1 << 20);
  message.back() = 'z';
  auto file = root() / "message.txt";
  write_bytes(file, message);
  auto from_file = dvol({"commit", "-F", file.string(), "v"});
  ASSERT_EQ(from_file.status, 0) << from_file.err;
  auto from_stdin = dvol({"commit", "-F", "-", "v"}, RunOptions::with_input(message + "\n"));
  ASSERT_EQ(from_stdin.status, 0) << from_stdin.err;
  auto log = ok({"log", "v"});
  std::string indented;
  for (auto& line : lines_of(message)) indented += "    " + line + "\n";
  auto first = log.find(indented);
  ASSERT_NE(first, std::string::npos) << "the message is in log in full";
  EXPECT_NE(log.find(indented, first + indented.size()), std::string::npos) << "both commits hold it";
  // The JSON log carries it too (bytes that are not UTF-8 become U+FFFD there).
  auto json_log = json::parse(ok({"--json", "log", "v"}));
  auto newest = json_log[0]["message"].get<std::string>(), oldest = json_log[1]["message"].get<std::string>();
  EXPECT_GE(oldest.size(), message.size());
  EXPECT_EQ(oldest.substr(0, 12), "line 0 caf\xc3\xa9");
  EXPECT_EQ(newest.size(), oldest.size() + 1) << "the stdin message kept its last newline";
  write_bytes(file, "");
  EXPECT_TRUE(refused(dvol({"commit", "-F", file.string(), "v"}), "you must provide a commit message"));
  EXPECT_TRUE(refused(dvol({"commit", "-F", (root() / "absent").string(), "v"}), "absent"));
  EXPECT_EQ(dvol({"commit", "-m", "x", "-F", file.string(), "v"}).status, 2);
  EXPECT_EQ(json::parse(ok({"--json", "log", "v"})).size(), 2u);
}

// ---- a damaged metadata database ----

TEST_F(Hostile, ADamagedMetadataDatabaseIsReportedAndTouchesNothingElse) {
  // Given volumes v and w, each with a commit, when w's dvol.db is replaced by garbage, cut
  // short, emptied, replaced by another SQLite database (another schema, or a newer dvol's),
  // or removed, then commands on w are refused with a message that names w's database and
  // what is wrong with it, list still shows v (and says w cannot be read), v keeps working,
  // w's pool files are not written, and once the database is put back w works with its
  // commit intact.
  make_two_volumes();
  auto db = volume_dir("w") / "dvol.db";
  auto good = read_file(db);
  take_down("w");
  auto data_stamp = stamp(volume_dir("w") / "data.img"), meta_stamp = stamp(volume_dir("w") / "meta.img");
  // Another SQLite database: one table of its own, at `version`.
  auto other_schema = [&](int version) {
    fs::remove(db);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    std::string sql = "CREATE TABLE t(x); PRAGMA user_version = " + std::to_string(version) + ";";
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  };
  struct Case {
    std::string what;
    std::function<void()> damage;
    std::string words;  // in the first line of the refusal
  };
  const std::vector<Case> cases = {
      {"garbage", [&] { write_bytes(db, data_for(8192, 5)); }, "is damaged"},
      {"truncated", [&] { write_bytes(db, good.substr(0, 1500)); }, "is damaged"},
      {"zero-length", [&] { write_bytes(db, ""); }, "is damaged"},
      {"another schema", [&] { other_schema(1); }, "is damaged"},
      {"another program's database", [&] { other_schema(0); }, "is damaged"},
      {"a newer dvol's", [&] { other_schema(99); }, "newer dvol"},
      {"missing", [&] { fs::remove(db); }, "w"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    c.damage();
    for (auto args : std::vector<std::vector<std::string>>{
             {"commit", "-m", "x", "w"}, {"log", "w"}, {"status", "w"}, {"checkout", "-b", "b", "w"}, {"path", "w"}}) {
      auto r = dvol(args);
      EXPECT_TRUE(refused(r, c.words)) << args[0];
      EXPECT_NE(r.err.find("w/dvol.db"), std::string::npos) << args[0] << ": " << r.err;
    }
    // list reports w's problem but still shows v.
    auto list = dvol({"list"});
    EXPECT_NE(list.out.find(" v "), std::string::npos) << list.out << list.err;
    EXPECT_NE(list.err.find("w"), std::string::npos) << list.out << list.err;
    EXPECT_EQ(list.err.find("internal error"), std::string::npos) << list.err;
    commit("v-more", "v");
    expect_volume_intact("v", 21);
    EXPECT_EQ(stamp(volume_dir("w") / "data.img"), data_stamp);
    EXPECT_EQ(stamp(volume_dir("w") / "meta.img"), meta_stamp);
    write_bytes(db, good);
  }
  expect_volume_intact("w", 22);
  EXPECT_EQ(ok({"log", "w"}).find("    w-base\n") != std::string::npos, true);
}

// ---- the state directory edited by hand ----

TEST_F(Hostile, AHandEditedCurrentFileAndStrayDirectoriesGiveClearErrors) {
  // Given volumes v and w, when the `current` file names a missing volume, holds garbage bytes
  // or a path that climbs out of the root, or is empty, then commands without a volume say
  // that the current volume is the problem and how to pick one, commands naming a volume
  // work, and switch repairs it; stray entries in volumes/ (directories without a database,
  // odd names, a plain file) are ignored by list and refused by name, and init of such a name
  // says it exists.
  make_two_volumes();
  auto current = root() / "current";
  for (const std::string& bad : {std::string("gone\n"), std::string("\xff\xfe\x1b[2J\n"), std::string("../../etc\n")}) {
    SCOPED_TRACE(bad);
    write_bytes(current, bad);
    for (auto args : std::vector<std::vector<std::string>>{{"log"}, {"commit", "-m", "x"}, {"status"}}) {
      auto r = dvol(args);
      EXPECT_TRUE(refused(r, "current volume")) << args[0];
      EXPECT_NE(r.err.find("dvol switch"), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
    }
    EXPECT_EQ(dvol({"list"}).status, 0);
    commit("named", "v");
  }
  write_bytes(current, "");
  EXPECT_TRUE(refused(dvol({"log"}), "no current volume"));
  ok({"switch", "w"});
  EXPECT_EQ(read_file(current), "w\n");

  for (auto d : {"stray", ".hidden", "bad name", "x+y+z", ".new-zzz"}) fs::create_directories(root() / "volumes" / d);
  write_bytes(root() / "volumes" / "afile", "x");
  // list shows v and w, and reports "stray" (a volume's name, no database) without failing
  // on the rest.
  auto list = dvol({"--json", "list"});
  EXPECT_EQ(list.status, 1) << list.err;
  EXPECT_EQ(json::parse(list.out).size(), 2u) << list.out;
  EXPECT_NE(list.err.find("volume stray has lost its metadata database"), std::string::npos) << list.err;
  // A volume's directory without its database: neither "does not exist" (init says it does)
  // nor a crash; the message says what is missing and how to get rid of it.
  for (auto args : std::vector<std::vector<std::string>>{{"log", "stray"}, {"rm", "-f", "stray"}}) {
    auto r = dvol(args);
    EXPECT_TRUE(refused(r, "volume stray has lost its metadata database")) << args[0];
    EXPECT_NE(r.err.find("by hand"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(refused(dvol({"init", "stray", "--size", "256M"}), "already exists"));
  for (auto d : {"stray", ".hidden", "bad name", "x+y+z", ".new-zzz"}) fs::remove_all(root() / "volumes" / d);
  fs::remove(root() / "volumes" / "afile");
  expect_volume_intact("v", 21);
  expect_volume_intact("w", 22);
}

TEST_F(Hostile, DeletedPoolFilesAreReportedAndNothingIsRecreatedEmpty) {
  // Given volume w taken out of the kernel (as after a reboot), when its data.img or
  // meta.img is missing, then commands on w are refused naming the missing file, no empty
  // file takes its place, and v keeps working; once the file is back w works with its
  // commit. A missing mnt/ or lock file is simply made again.
  make_two_volumes();
  take_down("w");
  for (const std::string file : {"data.img", "meta.img"}) {
    SCOPED_TRACE(file);
    auto path = volume_dir("w") / file;
    auto aside = root() / (file + ".aside");
    fs::rename(path, aside);
    for (auto args : std::vector<std::vector<std::string>>{{"commit", "-m", "x", "w"}, {"status", "w"}, {"path", "w"}}) {
      auto r = dvol(args);
      EXPECT_TRUE(refused(r, file)) << args[0];
      EXPECT_FALSE(fs::exists(path)) << args[0] << " made a new " << file;
    }
    auto list = dvol({"list"});
    EXPECT_TRUE(list.status == 1 && list.out.find(" v ") != std::string::npos && list.err.find(file) != std::string::npos)
        << "list shows v and reports w: " << list.out << list.err;
    commit("v-more", "v");
    fs::rename(aside, path);
  }
  expect_volume_intact("w", 22);
  take_down("w");
  fs::remove(volume_dir("w") / "lock");
  fs::remove(volume_dir("w") / "mnt");
  commit("w-more", "w");
  expect_volume_intact("w", 22);
}

// ---- devices removed behind dvol's back ----

TEST_F(Hostile, DevicesRemovedOrUnmountedBehindDvolsBackAreBroughtBack) {
  // Given volume v with a commit, when its branch is lazily unmounted, when its loop devices
  // are detached (losetup -d) while the pool runs, and when all its devices are removed
  // (umount, dmsetup remove), then each time the next command brings back what it needs and
  // works, and the data and the commits are intact.
  make_two_volumes();
  auto mnt = mount("v");
  auto lazy = run_tool({"/bin/umount", "-l", mnt.string()});
  ASSERT_EQ(lazy.status, 0) << lazy.err;
  EXPECT_FALSE(io::is_mountpoint(mnt));
  commit("after lazy unmount", "v");
  expect_volume_intact("v", 21);

  for (auto& loop : loops_under(volume_dir("v"))) {
    auto dev = loop.substr(0, loop.find(' '));
    auto r = run_tool({"/sbin/losetup", "-d", dev});
    EXPECT_EQ(r.status, 0) << r.err;
  }
  commit("after losetup -d", "v");
  expect_volume_intact("v", 21);

  take_down("v");
  EXPECT_EQ(loops_under(volume_dir("v")), std::vector<std::string>{}) << "the loops went with the pool";
  commit("after dmsetup remove", "v");
  expect_volume_intact("v", 21);
  auto log = ok({"log", "v"});
  for (auto m : {"after lazy unmount", "after losetup -d", "after dmsetup remove", "v-base"})
    EXPECT_NE(log.find(std::string("    ") + m + "\n"), std::string::npos) << log;
  expect_volume_intact("w", 22);
}

// ---- a missing kernel module ----

TEST_F(Hostile, AMissingThinPoolModuleIsReportedAndTheVolumeWorksOnceItIsLoaded) {
  // Given volume v taken out of the kernel and the dm-thin-pool module unloaded, when commit,
  // status and init run, then each is refused with a message that names the missing kernel
  // support and how to get it, init leaves no half-made volume, list (a query) still lists
  // both, and once the module is loaded again v works with its commit.
  make_two_volumes();
  take_down("v");
  take_down("w");
  utsname u{};
  ::uname(&u);
  auto module = fs::path("/usr/lib/uml/modules") / u.release / "kernel/drivers/md/dm-thin-pool.ko";
  if (!fs::exists(module)) GTEST_SKIP() << "not the user-mode test kernel: " << module << " missing";
  auto rmmod = run_tool({"/sbin/rmmod", "dm_thin_pool"});
  ASSERT_EQ(rmmod.status, 0) << "another pool is live: " << rmmod.err;
  struct Reload {
    fs::path module;
    ~Reload() { (void)run_tool({"/sbin/insmod", module.string()}); }
  } reload{module};
  for (auto args : std::vector<std::vector<std::string>>{{"commit", "-m", "x", "v"}, {"status", "v"}, {"path", "w"},
                                                         {"init", "fresh", "--size", "256M"}}) {
    auto r = dvol(args);
    EXPECT_TRUE(refused(r, "thin")) << args[0];
    EXPECT_NE(r.err.find("modprobe dm-thin-pool"), std::string::npos) << args[0] << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(volume_dir("fresh")));
  for (auto& e : fs::directory_iterator(root() / "volumes"))
    EXPECT_FALSE(e.path().filename().string().starts_with(".new-")) << e.path();
  // list is a query: it brings no pool up, so it needs no module and shows both volumes.
  auto list = dvol({"list"});
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find(" v "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find(" w "), std::string::npos) << list.out;
  EXPECT_EQ(run_tool({"/sbin/insmod", module.string()}).status, 0);
  commit("after insmod", "v");
  expect_volume_intact("v", 21);
  expect_volume_intact("w", 22);
}

}  // namespace
}  // namespace dvol::test
