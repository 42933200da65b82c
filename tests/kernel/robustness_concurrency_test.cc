// Kernel tests of concurrency (issue 6, part 3): many dvol processes, and the Docker plugin, at
// once on one volume and on several; dvol processes killed in the middle of a command. Each
// command either completes or fails with one clean error line, commands on one volume
// serialise (its lock), and afterwards the volume's invariants hold (robustness_support.h):
// the pool's transaction id agrees with the store, no intent or stray device is left, the
// checked-out branch is mounted, and every commit's data is byte-identical to what was
// committed.
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "tests/kernel/robustness_support.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The errors a command racing others may end with: each a refusal a user can act on. Anything
// else (an internal error, a warning, a kernel error) fails the test.
const std::vector<std::string> kCleanRefusals = {
    "is busy: another dvol command is working on it; try again",
    "another dvol command is creating or removing a volume; try again",
    "already exists",
    "does not exist",
    "it is checked out",
    "unknown commit",
    "has only",
    "is not a commit of",
    "has uncommitted changes",
    "was removed or replaced while this command waited",
};

bool clean_refusal(const Result& r) {
  auto lines = lines_of(r.err);
  if (r.status != 1 || lines.empty() || lines[0].rfind("dvol: ", 0) != 0) return false;
  if (r.err.find("internal error") != std::string::npos || r.err.find("warning") != std::string::npos) return false;
  return std::any_of(kCleanRefusals.begin(), kCleanRefusals.end(),
                     [&](const std::string& s) { return lines[0].find(s) != std::string::npos; });
}

std::string describe(const std::vector<std::string>& args, const Result& r) {
  std::string cmd = "dvol";
  for (auto& a : args) cmd += " " + a;
  return cmd + " -> exit " + std::to_string(r.status) + "\n" + r.out + r.err;
}

class Concurrency : public CliTest {
 protected:
  // Runs every command at once (one thread each, all released together) and returns the
  // results in the order given.
  std::vector<Result> race(const std::vector<std::vector<std::string>>& commands) {
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    std::vector<std::future<Result>> running;
    for (const auto& args : commands)
      running.push_back(std::async(std::launch::async, [this, args, start] {
        start.wait();
        return dvol(args);
      }));
    go.set_value();
    std::vector<Result> out;
    for (auto& f : running) out.push_back(f.get());
    return out;
  }

  // Every result is a success or a clean refusal.
  void expect_clean(const std::vector<std::vector<std::string>>& commands, const std::vector<Result>& results) {
    for (size_t i = 0; i < commands.size(); ++i) {
      const auto& r = results[i];
      EXPECT_TRUE(r.status == 0 ? r.err.empty() || r.err.find("warning") == std::string::npos : clean_refusal(r))
          << describe(commands[i], r);
    }
  }

  // After the storm: the invariants hold and every listed commit's data is what was written
  // before it (all commits of these tests hold file `data` with the content `content_of`
  // gives, or the base content). Checked through a scratch branch reset to each commit.
  void expect_consistent(const std::string& volume) {
    EXPECT_EQ(volume_invariant_violations(volume_dir(volume)), std::vector<std::string>{})
        << joined(volume_invariant_violations(volume_dir(volume)));
    auto log = json::parse(ok({"--json", "log", volume}));
    auto branches = json::parse(ok({"--json", "branch", volume}));
    EXPECT_GE(branches.size(), 1u);
    // Parent links: each entry's parent is the next one.
    for (size_t i = 0; i + 1 < log.size(); ++i) EXPECT_EQ(log[i]["parent"], log[i + 1]["id"]) << log.dump();
    if (!log.empty()) {
      EXPECT_TRUE(log.back()["parent"].is_null()) << log.dump();
    }
    EXPECT_EQ(run_fsck(volume), "") << "dvol fsck " << volume;
  }

  // `dvol fsck VOLUME` where this dvol has it (issue 6 part 1): "" if it finds nothing wrong
  // or does not exist, else its output.
  std::string run_fsck(const std::string& volume) {
    auto r = dvol({"fsck", volume});
    if (r.status == 2 && r.err.find("not a dvol command") != std::string::npos) return "";
    return r.status == 0 ? "" : r.out + r.err;
  }

  // The content of `data` in each commit of the checked-out branch, checked by resetting a
  // scratch branch to it.
  void expect_commit_data(const std::string& volume, const std::map<std::string, std::string>& content_by_message) {
    auto branch_before = checked_out(volume);
    ok({"checkout", "-b", "verify", volume});
    auto log = json::parse(ok({"--json", "log", volume}));
    for (auto& c : log) {
      auto it = content_by_message.find(c["message"].get<std::string>());
      ASSERT_NE(it, content_by_message.end()) << "unexpected commit " << c.dump();
      ok({"reset", "--hard", c["id"].get<std::string>(), volume});
      EXPECT_EQ(checksum(read_file(mount(volume) / "data")), checksum(it->second)) << "commit " << c["message"];
    }
    ok({"checkout", branch_before, volume});
    ok({"branch", "-d", "verify", volume});
  }

  std::string checked_out(const std::string& volume) {
    for (auto& b : json::parse(ok({"--json", "branch", volume})))
      if (b["current"].get<bool>()) return b["name"];
    return "";
  }
};

TEST_F(Concurrency, ManyCommandsOnOneVolumeSerialiseAndEachCompletesOrFailsCleanly) {
  // Given a volume with two commits of known data, a second branch and a throwaway commit,
  // when 16 commands (commits, checkout -b, checkouts, reset --hard, branch -d, commit -d,
  // diff, list, status, log, branch) start at the same moment, then each exits 0 or 1 with one
  // clean refusal, the ones that need the lock never overlap (busy is the worst), and
  // afterwards the invariants hold and every commit still holds its data byte for byte.
  init("v");
  auto base = data_for(300 << 10, 1), second = data_for(200 << 10, 2);
  write_data(mount("v") / "data", base.size(), 1);
  commit("base", "v");
  write_data(mount("v") / "data", second.size(), 2);
  commit("second", "v");
  ok({"checkout", "-b", "side", "v"});
  ok({"checkout", "master", "v"});
  auto doomed = commit("doomed", "v");  // same data as "second"

  std::vector<std::vector<std::string>> commands = {
      {"commit", "-m", "c1", "v"},       {"commit", "-m", "c2", "v"},     {"checkout", "-b", "x1", "v"},
      {"checkout", "side", "v"},         {"checkout", "master", "v"},     {"reset", "--hard", "HEAD", "v"},
      {"branch", "-d", "side", "v"},     {"commit", "-d", doomed, "v"},   {"diff", "v"},
      {"list"},                          {"status", "v"},                 {"log", "v"},
      {"branch", "v"},                   {"commit", "-m", "c3", "v"},     {"checkout", "-b", "x2", "v"},
      {"diff", "HEAD^", "HEAD", "v"},
  };
  auto t0 = std::chrono::steady_clock::now();
  auto results = race(commands);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  expect_clean(commands, results);
  int succeeded = 0;
  for (auto& r : results) succeeded += r.status == 0;
  RecordProperty("race_seconds", std::to_string(seconds));
  RecordProperty("succeeded", succeeded);

  expect_consistent("v");
  // Every commit any branch has holds either the base or the second data.
  std::map<std::string, std::string> content{{"base", base}, {"second", second}, {"doomed", second},
                                             {"c1", second}, {"c2", second},     {"c3", second}};
  for (auto& b : json::parse(ok({"--json", "branch", "v"}))) {
    ok({"checkout", b["name"].get<std::string>(), "v"});
    expect_commit_data("v", content);
  }
  // "base" survived whatever ran: nothing in the race deletes it.
  ok({"checkout", "master", "v"});
  auto log = ok({"log", "v"});
  EXPECT_NE(log.find("    base\n"), std::string::npos) << log;
  EXPECT_EQ(volume_invariant_violations(volume_dir("v")), std::vector<std::string>{});
}

TEST_F(Concurrency, CommandsOnDifferentVolumesAndThePluginRunSideBySide) {
  // Given volumes a and b with a commit each, volume gone (to be removed) and a plugin serving
  // the root, when commits and checkouts on a and b, init of c, rm of gone, list, and plugin
  // Create/Get/List/Mount/Path/Unmount calls (on a, and creating p) all run at once, then
  // every command and every plugin call completes or fails cleanly, volumes a and b are
  // consistent with their data intact, c and p exist and work, gone is gone.
  init("a");
  init("b");
  init("gone");
  write_data(mount("a") / "data", 100 << 10, 11);
  write_data(mount("b") / "data", 100 << 10, 12);
  commit("a-base", "a");
  commit("b-base", "b");
  auto socket = root() / "plugin.sock";
  Background plugin({dvol_binary(), "--no-docker", "plugin", "--socket", socket.string()}, dvol_env(root()), root(),
                    "plugin");
  ASSERT_TRUE(wait_for_socket(socket, 30)) << "the plugin did not start";

  std::vector<std::vector<std::string>> commands = {
      {"commit", "-m", "a1", "a"}, {"commit", "-m", "b1", "b"},       {"checkout", "-b", "ab", "a"},
      {"commit", "-m", "a2", "a"}, {"checkout", "-b", "bb", "b"},     {"init", "c", "--size", "256M"},
      {"rm", "-f", "gone"},        {"list"},                          {"commit", "-m", "b2", "b"},
      {"log", "a"},
  };
  const std::string id(64, 'f');
  std::vector<std::pair<std::string, json>> calls = {
      {"VolumeDriver.Create", {{"Name", "p"}, {"Opts", {{"size", "256M"}}}}},
      {"VolumeDriver.Get", {{"Name", "a"}}},
      {"VolumeDriver.List", json::object()},
      {"VolumeDriver.Mount", {{"Name", "a"}, {"ID", id}}},
      {"VolumeDriver.Path", {{"Name", "a"}}},
      {"VolumeDriver.Get", {{"Name", "b"}}},
      {"VolumeDriver.Unmount", {{"Name", "a"}, {"ID", id}}},
      {"VolumeDriver.Mount", {{"Name", "p"}, {"ID", id}}},
  };
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  auto plugin_side = std::async(std::launch::async, [&] {
    start.wait();
    std::vector<PluginReply> replies;
    for (auto& [method, body] : calls) replies.push_back(plugin_call(socket, method, body));
    return replies;
  });
  std::vector<std::future<Result>> cli_side;
  for (const auto& args : commands)
    cli_side.push_back(std::async(std::launch::async, [this, args, start] {
      start.wait();
      return dvol(args);
    }));
  go.set_value();
  std::vector<Result> results;
  for (auto& f : cli_side) results.push_back(f.get());
  auto replies = plugin_side.get();

  expect_clean(commands, results);
  for (size_t i = 0; i < calls.size(); ++i) {
    const auto& r = replies[i];
    EXPECT_EQ(r.http_status, 200) << calls[i].first << ": " << r.raw;
    ASSERT_TRUE(r.body.is_object()) << calls[i].first << ": " << r.raw;
    auto err = r.body.value("Err", std::string());
    // The plugin waits for the locks like the CLI; "busy, try again" is the only acceptable Err.
    EXPECT_TRUE(err.empty() || err.find("try again") != std::string::npos) << calls[i].first << ": " << err;
    if (calls[i].first == "VolumeDriver.Mount" && err.empty()) {
      EXPECT_EQ(r.body["Mountpoint"].get<std::string>(), mount(calls[i].second["Name"].get<std::string>()).string())
          << r.raw;
    }
  }
  plugin.kill_now();
  (void)plugin.wait();

  for (const std::string v : {"a", "b", "c", "p"}) {
    SCOPED_TRACE(v);
    EXPECT_TRUE(fs::exists(volume_dir(v) / "dvol.db"));
    expect_consistent(v);
  }
  EXPECT_FALSE(fs::exists(volume_dir("gone")));
  EXPECT_EQ(read_file(mount("a") / "data"), data_for(100 << 10, 11));
  EXPECT_EQ(read_file(mount("b") / "data"), data_for(100 << 10, 12));
  expect_commit_data("a", {{"a-base", data_for(100 << 10, 11)}, {"a1", data_for(100 << 10, 11)},
                           {"a2", data_for(100 << 10, 11)}});
  commit("after", "c");
}

// True once process `pid`, running dvol, has the file `path` open (a dvol waiting for that lock
// file). Before its exec the child still has the test's own descriptors, that lock's among them.
bool wait_until_open(pid_t pid, const fs::path& path) {
  const auto proc = fs::path("/proc") / std::to_string(pid);
  for (int i = 0; i < 600; ++i) {
    std::error_code ec;
    if (fs::read_symlink(proc / "exe", ec) != fs::path(dvol_binary())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    for (const auto& fd : fs::directory_iterator(proc / "fd", ec)) {
      std::error_code ignored;
      if (fs::read_symlink(fd.path(), ignored) == path) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// True once process `pid` is stopped (SIGSTOP takes effect asynchronously).
bool wait_until_stopped(pid_t pid) {
  for (int i = 0; i < 600; ++i) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size() && (stat[close + 2] == 'T' || stat[close + 2] == 't'))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_F(Concurrency, ACommandThatWaitedWhileItsVolumeWasRemovedAndMadeAgainRefusesCleanly) {
  // Given volume v with a commit and another dvol holding v's lock, when `dvol commit` on v
  // starts and waits for the lock (it has opened v's store), and meanwhile v is removed
  // (`rm -f`) and a new v is made (`init`), then the waiting commit, once it gets its turn,
  // refuses with a clean error instead of acting on the old volume's devices over the new
  // volume's files; the new v is consistent, with no commit and no device of the old one.
  init("v");
  commit("old", "v");
  auto old_uid = read_volume_db(volume_dir("v") / "dvol.db").uid;
  int fd = ::open((volume_dir("v") / "lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  Background waiting({dvol_binary(), "commit", "-m", "late", "v"}, dvol_env(root()), root(), "late");
  ASSERT_TRUE(wait_until_open(waiting.pid(), volume_dir("v") / "lock")) << "the commit never waited for the lock";
  // Held still while the volume is replaced, so that the replacement comes first.
  ::kill(waiting.pid(), SIGSTOP);
  ASSERT_TRUE(wait_until_stopped(waiting.pid()));
  ::close(fd);
  auto rm = dvol({"rm", "-f", "v"});
  EXPECT_EQ(rm.status, 0) << rm.err;
  init("v");
  ::kill(waiting.pid(), SIGCONT);
  auto r = waiting.wait();
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(clean_refusal(r)) << describe({"commit", "-m", "late", "v"}, r);
  EXPECT_EQ(ok({"log", "v"}), "");
  EXPECT_NE(read_volume_db(volume_dir("v") / "dvol.db").uid, old_uid);
  for (auto& name : dvol_dm_devices()) EXPECT_EQ(name.find(old_uid), std::string::npos) << name;
  EXPECT_EQ(volume_invariant_violations(volume_dir("v")), std::vector<std::string>{});
  commit("new", "v");
}

// ---- killed commands ----

// True once process `pid` has exited (not reaped: Background::wait() collects it).
bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

class KilledCommand : public Concurrency, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    Concurrency::SetUp();
#if !DVOL_CRASH_POINTS
    GTEST_SKIP() << "dvol was built without its crash points (-DDVOL_CRASH_POINTS=ON; scripts/test builds so)";
#endif
  }
  std::set<size_t> windows_;  // after how many crash points a kill landed
  // Runs `argv` with its crash-point trace (io/crash_point.h: every step that changes durable
  // state first reports itself there) on a FIFO, lets `through` crash points pass, and kills it
  // with SIGKILL. The next point blocks (nobody reads the FIFO), so the kill lands after step
  // `through` began and before step `through`+1: every window of the command, one per run.
  // `finished` tells whether the command got through all its points and exited by itself.
  Result kill_after_crash_points(const std::vector<std::string>& argv, size_t through, bool& finished,
                                 size_t& served) {
    auto fifo = root() / "crash-points.fifo";
    fs::remove(fifo);
    if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + fifo.string());
    Background victim(argv, dvol_env(root(), {{"DVOL_CRASH_TRACE", fifo.string()}}), root(), "victim");
    finished = false;
    served = 0;  // lines read: points passed (a fast step may let two through at once)
    while (served < through && !finished) {
      int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("open " + fifo.string());
      // Closed as soon as a whole line is in: the writer's next open then blocks.
      for (size_t lines = 0; lines == 0;) {
        pollfd p{fd, POLLIN, 0};
        (void)::poll(&p, 1, 100);
        char buf[512];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) lines += static_cast<size_t>(std::count(buf, buf + n, '\n'));
        if (n <= 0 && has_exited(victim.pid())) finished = true;
        if (finished) break;
        served += lines;
      }
      ::close(fd);
    }
    windows_.insert(served);
    if (!finished) victim.kill_now();
    auto r = victim.wait();
    if (!finished) finished = r.status == 0;
    return r;
  }
};

TEST_P(KilledCommand, LeavesNoLockThatBlocksAndTheNextCommandRecovers) {
  // Given a volume with a commit and a branch, when a dvol running OP is killed with SIGKILL
  // in the windows between its crash points (its durable steps: dm ioctls, SQLite commits,
  // mounts), from before the first to after the last, then each time the next command
  // does not wait for a lock (the kernel drops a killed process's flock), it succeeds and
  // repairs what the killed one left, the invariants hold, `dvol fsck` finds nothing, and the
  // committed data is intact: the killed operation happened entirely or not at all.
  init("v");
  auto base = data_for(256 << 10, 3);
  write_data(mount("v") / "data", base.size(), 3);
  commit("base", "v");
  ok({"checkout", "-b", "side", "v"});
  ok({"checkout", "master", "v"});
  const std::string op = GetParam();
  std::vector<std::string> args;
  if (op == "commit") args = {"commit", "-m", "killed", "v"};
  if (op == "checkout-b") args = {"checkout", "-b", "fresh", "v"};
  if (op == "checkout") args = {"checkout", "side", "v"};
  if (op == "reset") args = {"reset", "--hard", "HEAD", "v"};
  if (op == "diff") args = {"diff", "v"};
  ASSERT_FALSE(args.empty());
  args.insert(args.begin(), dvol_binary());

  size_t through = 0;
  int retries = 0;
  // Done once the command ran out of crash points before the kill (it finished with fewer than
  // `through`); one that finished right after the points it was let through is tried further.
  for (bool done = false; !done;) {
    ASSERT_LT(through, 80u) << "the command never finished";
    SCOPED_TRACE("killed after " + std::to_string(through) + " crash points");
    size_t served = 0;
    bool finished = false;
    auto killed = kill_after_crash_points(args, through, finished, served);
    done = finished && served < through;
    // Two points passed at once (a step faster than the test's read): this window once more.
    if (served == through || finished || ++retries > 1) {
      ++through;
      retries = 0;
    }
    if (finished) {
      EXPECT_EQ(killed.status, 0) << killed.err;
    }
    // The next command: one that takes the lock, activates and recovers.
    auto next = dvol({"status", "v"});
    ASSERT_EQ(next.status, 0) << next.err;
    EXPECT_LT(next.seconds, 8.0) << "it did not wait out a stale lock";
    EXPECT_EQ(next.err, "");
    auto bad = volume_invariant_violations(volume_dir("v"));
    EXPECT_EQ(bad, std::vector<std::string>{}) << joined(bad);
    EXPECT_EQ(run_fsck("v"), "");
    // The operation happened entirely or not at all; put the volume back for the next round.
    auto branch = checked_out("v");
    auto log = json::parse(ok({"--json", "log", "v"}));
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back()["message"], "base");
    if (op == "commit" && log.size() == 2) {
      EXPECT_EQ(log[0]["message"], "killed");
      ok({"commit", "-d", "HEAD", "v"});
    }
    if (op == "checkout-b" && branch == "fresh") {
      ok({"checkout", "master", "v"});
      ok({"branch", "-d", "fresh", "v"});
    }
    if (op == "checkout" && branch == "side") ok({"checkout", "master", "v"});
    EXPECT_EQ(ok({"branch", "v"}), "* master\n  side\n");
    EXPECT_EQ(checksum(read_file(mount("v") / "data")), checksum(base));
  }
  // How many of the windows (after 0, 1, ... N-1 of the command's N crash points) a kill hit:
  // a step that returns before the test closes the FIFO lets two points through at once.
  const size_t points = *windows_.rbegin();
  RecordProperty("windows_hit", std::to_string(windows_.size() - 1));
  RecordProperty("crash_points", std::to_string(points));
}

INSTANTIATE_TEST_SUITE_P(Robustness, KilledCommand, ::testing::Values("commit", "checkout-b", "checkout", "reset", "diff"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           n.erase(std::remove(n.begin(), n.end(), '-'), n.end());
                           return n;
                         });

}  // namespace
}  // namespace dvol::test
