#include "io/crash_point.h"

#if !DVOL_CRASH_POINTS

// A release build: no power cut, no variable read, nothing but this.
namespace dvol::io {
void crash_point(const char*) {}
}  // namespace dvol::io

#else

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/reboot.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace dvol::io {

namespace {

struct CrashPlan {
  bool enabled = false;
  unsigned long at = 0;  // 0: never
  unsigned long delay_us = 0;
  const char* trace = nullptr;
};

unsigned long env_number(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::strtoul(v, nullptr, 10) : 0;
}

const CrashPlan& plan() {
  static const CrashPlan p = [] {
    CrashPlan c;
    const char* in_kernel = std::getenv("DVOL_IN_TEST_KERNEL");
    if (!in_kernel || std::strcmp(in_kernel, "1") != 0) return c;
    c.at = env_number("DVOL_CRASH_AT");
    c.delay_us = env_number("DVOL_CRASH_DELAY_US");
    c.trace = std::getenv("DVOL_CRASH_TRACE");
    c.enabled = c.at != 0 || c.trace != nullptr;
    return c;
  }();
  return p;
}

// Appends "N LABEL" to the trace file. The trace may be a FIFO whose reader paces the command
// (kernel.robustness kills it between two points): opening it then waits for a reader, and a
// reader that closes between our open and our write makes the write fail with EPIPE (and
// raise SIGPIPE, which would kill dvol). The line must reach a reader before the step runs, so
// SIGPIPE is held off and the line is written again once the next reader opens.
void append_trace(const char* file, unsigned long n, const char* label) {
  const std::string line = std::to_string(n) + " " + label + "\n";
  sigset_t pipe_signal, previous;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int fd = ::open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) break;
    bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    int err = errno;
    if (written) ::fsync(fd);  // the trace must survive the cut it announces
    ::close(fd);
    if (written || err != EPIPE) break;
  }
  // A SIGPIPE raised while held off is pending: take it, so that unblocking does not deliver it.
  const timespec now{0, 0};
  while (sigtimedwait(&pipe_signal, nullptr, &now) == SIGPIPE) {
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

[[noreturn]] void power_off() {
  // reboot(2) itself syncs nothing: dirty pages and unflushed metadata are lost, as in a cut.
  ::reboot(RB_POWER_OFF);
  std::_Exit(125);
}

}  // namespace

void crash_point(const char* label) {
  const auto& p = plan();
  if (!p.enabled) return;
  static unsigned long count = 0;
  ++count;
  if (p.trace) append_trace(p.trace, count, label);
  if (count != p.at) return;
  if (p.delay_us == 0) power_off();
  // Cut while the step itself runs.
  std::thread([us = p.delay_us] {
    std::this_thread::sleep_for(std::chrono::microseconds(us));
    power_off();
  }).detach();
}

}  // namespace dvol::io

#endif  // DVOL_CRASH_POINTS
