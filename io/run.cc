#include "io/run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "io/error.h"
#include "io/fd.h"

extern char** environ;

namespace dvol::io {

bool program_exists(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

namespace {

// Kills and reaps the child of a run that cannot go on; never throws.
void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int ignored = 0;
  while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const std::string& install_hint,
              std::chrono::milliseconds deadline) {
  if (argv.empty()) throw Error(Code::Internal, "run: empty command");
  if (!program_exists(argv[0])) {
    Error e(Code::Unsupported, argv[0] + " not found");
    if (!install_hint.empty()) throw std::move(e).with_hint(install_hint);
    throw e;
  }
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw sys_error("pipe", "", errno);
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw sys_error("pipe", "", errno);
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  if (int rc = posix_spawn_file_actions_init(&actions); rc != 0) throw sys_error("start", argv[0], rc);
  int setup = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (setup == 0) setup = posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  if (setup == 0) setup = posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  if (setup != 0) {
    posix_spawn_file_actions_destroy(&actions);
    throw sys_error("start", argv[0], setup);
  }
  // Every other descriptor of ours is O_CLOEXEC, so the child inherits only 0, 1 and 2.

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("LC_", 0) == 0 || kv.rfind("LANG=", 0) == 0) continue;
    env_strings.push_back(std::move(kv));
  }
  env_strings.push_back("LC_ALL=C");
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  pid_t pid;
  int rc = ::posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw sys_error("start", argv[0], rc);
  out_w.reset();
  err_w.reset();

  RunResult result;
  pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buf[65536];
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (open_count > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill_and_reap(pid);
      auto limit = deadline.count() % 1000 == 0 ? std::to_string(deadline.count() / 1000) + " s"
                                                : std::to_string(deadline.count()) + " ms";
      throw Error(Code::Unavailable, argv[0] + " did not finish within " + limit + " and was stopped");
    }
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      // Cannot read its output any more: a child writing to a full pipe would never exit.
      int err = errno;
      kill_and_reap(pid);
      throw sys_error("read the output of", argv[0], err);
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fds[i].fd = -1;
        --open_count;
      } else {
        sinks[i]->append(buf, static_cast<size_t>(got));
      }
    }
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return result;
}

static std::string tail(const std::string& s, size_t max) {
  std::string t = s.size() > max ? s.substr(s.size() - max) : s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

RunResult run_checked(const std::vector<std::string>& argv, const std::string& install_hint,
                      std::chrono::milliseconds deadline) {
  RunResult r = run(argv, install_hint, deadline);
  if (r.status != 0) {
    std::string cmd;
    for (auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw Error(Code::Io, argv[0] + " failed (exit status " + std::to_string(r.status) + ")",
                cmd + ": " + tail(r.err.empty() ? r.out : r.err, 600));
  }
  return r;
}

}  // namespace dvol::io
