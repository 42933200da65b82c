// Kernel tests of who may run dvol and when: commands as a user other than root, and a second
// dvol while another holds the volume's lock.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;

const std::string kRootHint = "dvol's state is readable by root only: run dvol with sudo";

// A volume v with a commit and a second branch x, master checked out.
class Access : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    init("v");
    write_data(mount("v") / "f.bin", 64 * 1024, 1);
    commit("base");
    ok({"checkout", "-b", "x"});
    ok({"checkout", "master"});
  }
};

TEST_F(Access, MutatingCommandsAsAnotherUserSayTheyNeedRootAndChangeNothing) {
  // Given volume v made by root, when user nobody runs each mutating command on it, then each
  // exits 1 with "dvol: dvol COMMAND needs root: run it with sudo" and nothing changes.
  auto before = view("v");
  struct Case {
    std::vector<std::string> args;
    std::string command;
  };
  const std::vector<Case> cases = {
      {{"init", "w", "--size", "256M"}, "init"},
      {{"commit", "-m", "as nobody", "v"}, "commit"},
      {{"commit", "-d", "HEAD", "v"}, "commit -d"},
      {{"checkout", "x", "v"}, "checkout"},
      {{"checkout", "-b", "y", "v"}, "checkout"},
      {{"reset", "--hard", "HEAD", "v"}, "reset"},
      {{"branch", "-d", "x", "v"}, "branch -d"},
      {{"switch", "v"}, "switch"},
      {{"rm", "-f", "v"}, "rm"},
      {{"rm", "v"}, "rm"},
      {{"config", "user.name", "Nobody"}, "config"},
  };
  for (const auto& c : cases) {
    auto r = dvol(c.args, RunOptions::nobody("y\n"));
    EXPECT_EQ(r.status, 1) << c.command << ": " << r.err;
    EXPECT_EQ(r.err_line(0), "dvol: dvol " + c.command + " needs root: run it with sudo") << r.err;
    EXPECT_EQ(r.out, "") << c.command;
  }
  EXPECT_EQ(view("v"), before);
  EXPECT_EQ(ok({"config", "-l"}), "");
  EXPECT_FALSE(fs::exists(volume_dir("w")));
}

TEST_F(Access, ReadOnlyCommandsAsAnotherUserSayTheStateNeedsRoot) {
  // Given dvol's state root, which is readable by root only, when user nobody runs list, log,
  // branch, status and path, then each exits 1 with a "dvol: " line and the hint to run dvol
  // as root, never an internal error and never an empty listing that hides the volumes.
  for (auto args : std::vector<std::vector<std::string>>{
           {"list"}, {"log", "v"}, {"branch", "v"}, {"status", "v"}, {"path", "v"}, {"log"}}) {
    auto r = dvol(args, RunOptions::nobody());
    EXPECT_EQ(r.status, 1) << args[0] << ": " << r.err;
    EXPECT_TRUE(r.err_line(0).starts_with("dvol: cannot ")) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
    EXPECT_EQ(r.err_line(1), kRootHint) << args[0];
    EXPECT_EQ(r.out, "") << args[0];
  }
}

TEST_F(Access, ACommandWaitsForAnotherDvolThenFailsBusyAndChangesNothing) {
  // Given another process holding volume v's lock (<root>/volumes/v/lock), when `dvol commit`
  // runs, then it waits a while, exits 1 with "dvol: volume v is busy: another dvol command is
  // working on it; try again", and nothing changes; once the lock is free the same commit
  // works.
  auto before = view("v");
  int fd = ::open((volume_dir("v") / "lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  auto r = dvol({"commit", "-m", "while locked", "v"});
  ::close(fd);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: volume v is busy: another dvol command is working on it; try again");
  EXPECT_EQ(r.out, "");
  EXPECT_GE(r.seconds, 1.0) << "it waits before giving up";
  EXPECT_LE(r.seconds, 30.0) << "but only briefly";
  EXPECT_EQ(view("v"), before);
  commit("after unlock", "v");
}

}  // namespace
}  // namespace dvol::test

namespace dvol::test {
namespace {

// The mount options of `path` in this namespace's mountinfo (its per-mount field 6).
std::string mount_options(const fs::path& path) {
  std::istringstream in(read_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, options;
    f >> id >> parent >> dev >> root >> point >> options;
    if (point == path.string()) return options;
  }
  return "";
}

TEST_F(Access, StateIsForRootOnlyAndBranchesMountWithoutSuidOrDevices) {
  // Given volume v, then the state root and the volume's metadata are closed to other users,
  // and the checked-out branch is mounted nosuid,nodev (a setuid binary or a device node on a
  // branch must not give anyone a way in).
  struct stat st{};
  ASSERT_EQ(::stat(root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << std::oct << st.st_mode;
  ASSERT_EQ(::stat((volume_dir("v") / "dvol.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 007, 0u) << std::oct << st.st_mode;
  auto options = mount_options(mount("v"));
  EXPECT_NE(options.find("nosuid"), std::string::npos) << options;
  EXPECT_NE(options.find("nodev"), std::string::npos) << options;
}

TEST_F(Access, ShellSyntaxInMessagesAndNamesIsNeverRun) {
  // Given a commit message and an author name full of shell syntax, when they are used, then
  // they are kept byte for byte and nothing of them runs; a volume name made of shell syntax is
  // refused as a name.
  auto marker = root() / "ran";
  std::string evil = "$(touch " + marker.string() + ") `touch " + marker.string() + "`; touch " + marker.string();
  ok({"config", "user.name", evil});
  write_data(mount("v") / "g.bin", 4096, 2);
  commit(evil);
  auto log = ok({"log"});
  EXPECT_NE(log.find("    " + evil + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("Author: " + evil + " <"), std::string::npos) << log;
  auto r = dvol({"init", "x;touch " + marker.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_FALSE(fs::exists(marker));
}

}  // namespace
}  // namespace dvol::test
