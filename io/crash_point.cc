#include "io/crash_point.h"

#include <fcntl.h>
#include <sys/reboot.h>
#include <unistd.h>

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

void append_trace(const char* file, unsigned long n, const char* label) {
  int fd = ::open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  std::string line = std::to_string(n) + " " + label + "\n";
  (void)!::write(fd, line.data(), line.size());
  ::fsync(fd);  // the trace must survive the cut it announces
  ::close(fd);
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
