// Remotes inside the test kernel, the real dvol binary on real thin pools: push, clone, pull, the
// refusals, two pushers racing, a push killed and resumed, a damaged object.
//
// Each test runs against a remote in a directory (file:///DIR, what a shared or removable disk
// would be); those marked "both" also against a real S3 server: Ceph's RADOS Gateway, reached
// through a tap device in a network namespace of the test's own (scripts/with-s3
// starts it and passes DVOL_TEST_S3_ENDPOINT, _KEY and _SECRET; kernel.remote_s3 runs those).
#include <fcntl.h>
#include <sys/wait.h>
#include <poll.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "tests/kernel/cli_fixture.h"
#include "tests/kernel/robustness_support.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class RemoteTest : public CliTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    hub_ = root() / "hub";
    fs::create_directories(hub_);
    if (s3()) {
      const char* endpoint = std::getenv("DVOL_TEST_S3_ENDPOINT");
      ASSERT_TRUE(endpoint) << "S3 tests run through scripts/with-s3 (kernel.remote_s3)";
      // What a user of the AWS CLI has set; dvol reads the same variables.
      ::setenv("AWS_ENDPOINT_URL", endpoint, 1);
      ::setenv("AWS_ACCESS_KEY_ID", std::getenv("DVOL_TEST_S3_KEY"), 1);
      ::setenv("AWS_SECRET_ACCESS_KEY", std::getenv("DVOL_TEST_S3_SECRET"), 1);
      static int n = 0;
      s3_url_ = "s3://dvol-test/" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    }
  }
  bool s3() const { return GetParam() == "s3"; }
  std::string url() const { return s3() ? s3_url_ : "file://" + hub_.string(); }
  json log_of(const std::string& volume) { return json::parse(ok({"--json", "log", volume})); }
  json push_json(const std::vector<std::string>& args) {
    std::vector<std::string> a{"--json", "push"};
    a.insert(a.end(), args.begin(), args.end());
    return json::parse(ok(a));
  }
  // A volume with a few files and one commit, pushed to the hub as origin/master.
  void make_pushed_volume(const std::string& v) {
    init(v);
    write_data(mount(v) / "big", 8 << 20, 1);
    write_data(mount(v) / "small", 10000, 2);
    commit("first", v);
    ok({"remote", "add", "origin", url(), v});
    ok({"push", v});
  }
  fs::path hub_;
  std::string s3_url_;
};

// Tests that need the remote's files (a damaged object) or are about dvol, not the store.
class FileRemote : public RemoteTest {};
// What only an S3 remote can get wrong: keys, buckets, the server.
class S3Remote : public RemoteTest {};

TEST_P(RemoteTest, ACloneHasTheSameCommitsAndFilesAndAnIncrementalPushSendsLittle) {
  make_pushed_volume("a");
  // Change 1 MiB in place and commit: the next push sends about that, not the volume.
  {
    int fd = ::open((mount("a") / "big").c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    auto piece = data_for(1 << 20, 9);
    ASSERT_EQ(::pwrite(fd, piece.data(), piece.size(), 3 << 20), static_cast<ssize_t>(piece.size()));
    ::fsync(fd);
    ::close(fd);
  }
  commit("second", "a");
  auto second = push_json({"a"});
  EXPECT_FALSE(second["up_to_date"].get<bool>());
  EXPECT_EQ(second["commits"], 1);
  // Random data does not compress: the changed MiB plus the filesystem's own metadata and
  // journal blocks, each rounded up to a 256 KiB chunk, and the manifest.
  EXPECT_GE(second["bytes_sent"].get<uint64_t>(), 1u << 20);
  EXPECT_LE(second["bytes_sent"].get<uint64_t>(), 4u << 20) << second.dump();

  auto cloned = json::parse(ok({"--json", "clone", url(), "b"}));
  EXPECT_EQ(cloned["commits"], 2);
  EXPECT_EQ(log_of("b"), log_of("a"));
  EXPECT_EQ(files_in(mount("b")), files_in(mount("a")));
  EXPECT_EQ(ok({"remote", "-v", "b"}), "origin\t" + url() + "\n");
  EXPECT_EQ(ok({"branch", "b"}), "* master\n");
  // The clone is a volume like any other: it commits, and pushing back what was pulled sends
  // nothing.
  EXPECT_EQ(ok({"push", "b"}), "Everything up-to-date\n");
  write_data(mount("b") / "new", 5000, 3);
  commit("on the clone", "b");
  EXPECT_EQ(ok({"fsck", "b"}).find("problem"), std::string::npos);
}

TEST_P(RemoteTest, PullFastForwardsAndPushRefusesWhatIsNotAFastForward) {
  make_pushed_volume("a");
  ok({"clone", url(), "b"});
  write_data(mount("a") / "later", 300000, 4);
  commit("later", "a");
  ok({"push", "a"});
  auto pulled = ok({"pull", "b"});
  EXPECT_NE(pulled.find("From " + url()), std::string::npos) << pulled;
  EXPECT_EQ(log_of("b"), log_of("a"));
  EXPECT_EQ(files_in(mount("b")), files_in(mount("a")));
  EXPECT_EQ(ok({"pull", "b"}), "Already up to date.\n");

  // b moves on and pushes; a, which has its own new commit, is refused and changes nothing.
  write_data(mount("b") / "from-b", 1000, 5);
  commit("from b", "b");
  ok({"push", "b"});
  write_data(mount("a") / "from-a", 1000, 6);
  commit("from a", "a");
  auto refused = dvol({"push", "a"});
  EXPECT_NE(refused.status, 0);
  EXPECT_EQ(refused.err_line(), "dvol: rejected: origin/master has commits you do not have; pull first");
  // Pull cannot merge either: refused, a keeps its commit and data.
  auto before = view("a");
  auto no_merge = dvol({"pull", "a"});
  EXPECT_NE(no_merge.status, 0);
  EXPECT_NE(no_merge.err.find("dvol never merges data"), std::string::npos) << no_merge.err;
  EXPECT_EQ(view("a"), before);
  // A clone shows the remote still has b's history.
  ok({"clone", url(), "c"});
  EXPECT_EQ(log_of("c"), log_of("b"));
  // --force replaces it.
  auto forced = ok({"push", "--force", "a"});
  EXPECT_NE(forced.find("(forced update)"), std::string::npos) << forced;
  ok({"clone", url(), "d"});
  EXPECT_EQ(log_of("d"), log_of("a"));
  EXPECT_NE(dvol({"pull", "b"}).status, 0);  // b's head is not in a's history
}

TEST_P(FileRemote, PullRefusesUncommittedChangesAndVolumesOfAnotherSize) {
  make_pushed_volume("a");
  ok({"clone", url(), "b"});
  write_data(mount("a") / "later", 1000, 4);
  commit("later", "a");
  ok({"push", "a"});
  write_data(mount("b") / "uncommitted", 1000, 7);
  auto r = dvol({"pull", "b"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("uncommitted changes"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(mount("b") / "uncommitted"));
  ok({"reset", "--hard", "HEAD", "b"});
  ok({"pull", "b"});
  EXPECT_EQ(log_of("b"), log_of("a"));

  ok({"init", "other", "--size", "512M"});
  ok({"remote", "add", "origin", url(), "other"});
  write_data(mount("other") / "x", 1000, 8);
  commit("x", "other");
  auto wrong = dvol({"pull", "other"});
  EXPECT_NE(wrong.status, 0);
  EXPECT_NE(wrong.err.find("dvol never merges data"), std::string::npos) << wrong.err;
}

TEST_P(RemoteTest, TwoPushersRacingOnOneBranchOneWinsAndNothingIsLost) {
  make_pushed_volume("a");
  ok({"clone", url(), "b"});
  write_data(mount("a") / "a-file", 2 << 20, 10);
  auto ca = commit("from a", "a");
  write_data(mount("b") / "b-file", 2 << 20, 11);
  auto cb = commit("from b", "b");
  Background pa({dvol_binary(), "push", "a"}, dvol_env(root()), root(), "push-a");
  Background pb({dvol_binary(), "push", "b"}, dvol_env(root()), root(), "push-b");
  auto ra = pa.wait(), rb = pb.wait();
  EXPECT_EQ((ra.status == 0) + (rb.status == 0), 1) << "a: " << ra.err << "\nb: " << rb.err;
  const auto& loser = ra.status == 0 ? rb : ra;
  EXPECT_NE(loser.err.find("rejected: origin/master"), std::string::npos) << loser.err;
  const std::string winner = ra.status == 0 ? "a" : "b";
  ok({"clone", url(), "c"});
  EXPECT_EQ(log_of("c"), log_of(winner));
  EXPECT_EQ(files_in(mount("c")), files_in(mount(winner)));
  // The loser keeps its commit.
  EXPECT_EQ(log_of(winner == "a" ? "b" : "a")[0]["id"], winner == "a" ? cb : ca);
}

TEST_P(FileRemote, AKilledPushResumesWithoutSendingAgainWhatArrived) {
  init("a");
  write_data(mount("a") / "big", 48 << 20, 12);  // random: three packs of 16 MiB
  commit("big", "a");
  ok({"remote", "add", "origin", url(), "a"});
  // Kill the push once its first pack is on the remote (io/crash_point.h: the trace FIFO
  // paces it, one point per open).
  auto fifo = root() / "trace.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Background victim({dvol_binary(), "push", "a"}, dvol_env(root(), {{"DVOL_CRASH_TRACE", fifo.string()}}), root(), "victim");
  // Read one line per open, as kernel.robustness does (non-blocking opens of the FIFO): until
  // the second pack's point, the push's end, or two minutes.
  int packs = 0;
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (packs < 2 && !exited && std::chrono::steady_clock::now() < deadline) {
    int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    std::string got;
    while (got.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      (void)::poll(&p, 1, 100);
      char buf[512];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        got.append(buf, static_cast<size_t>(n));
        continue;
      }
      // No writer yet (a FIFO with none reads as end of file at once): wait, unless it is gone.
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(victim.pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == victim.pid()) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::close(fd);
    if (got.find("push: pack") != std::string::npos) ++packs;
  }
  ASSERT_EQ(packs, 2) << "the push never sent its second pack";
  victim.kill_now();  // the second pack is being sent; the first one arrived
  EXPECT_NE(victim.wait().status, 0);
  // The ref moves last: until then a reader sees no branch, never one with missing objects.
  auto early = dvol({"clone", url(), "early"});
  EXPECT_EQ(early.err_line(), "dvol: the remote " + url() + " has no branch master");
  auto resumed = push_json({"a"});
  EXPECT_LT(resumed["bytes_sent"].get<uint64_t>(), 40u << 20) << resumed.dump();
  ok({"clone", url(), "b"});
  EXPECT_EQ(files_in(mount("b")), files_in(mount("a")));
  EXPECT_EQ(log_of("b"), log_of("a"));
}

TEST_P(FileRemote, ADamagedObjectIsReportedAndThePullChangesNothing) {
  make_pushed_volume("a");
  ok({"clone", url(), "b"});
  write_data(mount("a") / "later", 3 << 20, 13);
  commit("later", "a");
  ok({"push", "a"});
  // Flip one byte in the middle of the newest pack.
  fs::path newest;
  for (const auto& e : fs::directory_iterator(hub_ / "packs"))
    if (newest.empty() || fs::last_write_time(e.path()) > fs::last_write_time(newest)) newest = e.path();
  {
    std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(newest) / 3));
    char c;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(fs::file_size(newest) / 3));
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  auto before = view("b");
  auto r = dvol({"pull", "b"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err_line().find("on the remote " + url() + " is damaged"), std::string::npos) << r.err;
  EXPECT_EQ(view("b"), before);
  auto verify = dvol({"remote", "verify", "a"});
  EXPECT_NE(verify.status, 0);
  EXPECT_NE(verify.err_line().find("on the remote " + url() + " is damaged"), std::string::npos) << verify.err;
  EXPECT_EQ(ok({"fsck", "b"}).find("problem"), std::string::npos);
}

TEST_P(FileRemote, GcRemovesOnlyWhatNoBranchReachesOnceOlderThanTheGrace) {
  make_pushed_volume("a");
  write_data(mount("a") / "later", 2 << 20, 14);
  commit("later", "a");
  ok({"push", "a"});
  EXPECT_NE(ok({"remote", "verify", "a"}).find("all intact"), std::string::npos);
  // Rewrite the remote's history: the two commits pushed so far become unreachable.
  ok({"reset", "--hard", "HEAD^", "a"});
  ok({"commit", "-d", "HEAD", "a"});
  write_data(mount("a") / "other", 1 << 20, 15);
  commit("other root", "a");
  ok({"push", "--force", "a"});
  auto young = json::parse(ok({"--json", "remote", "gc", "a"}));
  EXPECT_EQ(young["removed"], 0);
  EXPECT_GT(young["too_young"].get<int>(), 0);
  auto objects = [&] {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(hub_)) n += e.is_regular_file();
    return n;
  };
  const size_t before = objects();
  auto dry = json::parse(ok({"--json", "remote", "gc", "--grace-hours", "0", "--dry-run", "a"}));
  EXPECT_GT(dry["removed"].get<int>(), 0);
  EXPECT_EQ(objects(), before);
  auto gc = json::parse(ok({"--json", "remote", "gc", "--grace-hours", "0", "a"}));
  EXPECT_EQ(gc["removed"], dry["removed"]);
  EXPECT_EQ(objects(), before - gc["removed"].get<size_t>());
  EXPECT_NE(ok({"remote", "verify", "a"}).find("all intact"), std::string::npos);
  ok({"clone", url(), "b"});
  EXPECT_EQ(log_of("b"), log_of("a"));
  EXPECT_EQ(files_in(mount("b")), files_in(mount("a")));
}

TEST_P(FileRemote, BadRemotesGiveClearErrorsAndChangeNothing) {
  init("a");
  commit("empty", "a");
  auto bad_url = dvol({"remote", "add", "origin", "http://example.com/x", "a"});
  EXPECT_NE(bad_url.status, 0);
  EXPECT_NE(bad_url.err_line().find("is not a remote URL"), std::string::npos) << bad_url.err;
  auto none = dvol({"push", "a"});
  EXPECT_EQ(none.err_line(), "dvol: volume a has no remote named origin");
  ok({"remote", "add", "origin", "file:///nonexistent/dir", "a"});
  auto missing = dvol({"push", "a"});
  EXPECT_EQ(missing.err_line(), "dvol: the remote directory /nonexistent/dir does not exist");
  auto dup = dvol({"remote", "add", "origin", url(), "a"});
  EXPECT_EQ(dup.err_line(), "dvol: remote origin already exists");
  ok({"remote", "rm", "origin", "a"});
  EXPECT_EQ(ok({"remote", "a"}), "");
  auto no_repo = dvol({"clone", url(), "b"});
  EXPECT_EQ(no_repo.err_line(), "dvol: the remote " + url() + " holds no dvol repository");
  EXPECT_EQ(dvol({"status", "b"}).status == 0, false) << "a failed clone made no volume";
}

TEST_P(S3Remote, WrongKeysAMissingBucketOrNoServerAreClearErrorsAndChangeNothing) {
  init("a");
  write_data(mount("a") / "f", 100000, 1);
  commit("first", "a");
  ok({"remote", "add", "origin", url(), "a"});
  auto before = view("a");
  auto wrong = dvol({"push", "a"}, RunOptions::with_env("AWS_SECRET_ACCESS_KEY", "not-the-secret"));
  EXPECT_EQ(wrong.err_line(), "dvol: access to the remote " + url() + " was denied (SignatureDoesNotMatch)");
  EXPECT_EQ(wrong.err.find("not-the-secret"), std::string::npos);
  RunOptions no_keys;
  no_keys.env = {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"}, {"AWS_CONFIG_FILE", "/nonexistent"}};
  EXPECT_EQ(dvol({"push", "a"}, no_keys).err_line(), "dvol: no S3 credentials found");
  auto down = dvol({"push", "a"}, RunOptions::with_env("AWS_ENDPOINT_URL", "http://127.0.0.1:1"));
  EXPECT_EQ(down.err_line().rfind("dvol: cannot reach the remote " + url() + " at http://127.0.0.1:1", 0), 0u) << down.err;
  ok({"remote", "add", "elsewhere", "s3://no-such-bucket/x", "a"});
  auto no_bucket = dvol({"push", "elsewhere", "a"});
  EXPECT_EQ(no_bucket.err_line(), "dvol: the bucket no-such-bucket of remote s3://no-such-bucket/x does not exist");
  auto no_clone = dvol({"clone", "s3://no-such-bucket/x", "b"});
  EXPECT_NE(no_clone.status, 0);
  EXPECT_EQ(view("a"), before);
  // And then it works.
  ok({"push", "a"});
  ok({"clone", url(), "b"});
  EXPECT_EQ(log_of("b"), log_of("a"));
}

auto name_of = [](const ::testing::TestParamInfo<std::string>& i) { return i.param; };
INSTANTIATE_TEST_SUITE_P(Both, RemoteTest, ::testing::Values("file", "s3"), name_of);
INSTANTIATE_TEST_SUITE_P(File, FileRemote, ::testing::Values("file"), name_of);
INSTANTIATE_TEST_SUITE_P(S3, S3Remote, ::testing::Values("s3"), name_of);

}  // namespace
}  // namespace dvol::test
