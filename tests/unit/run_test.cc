// io::run, the one way dvol starts another program: output captured, a deadline kept.
#include "io/run.h"

#include <gtest/gtest.h>

#include <chrono>

#include "io/error.h"

namespace dvol {
namespace {

using namespace std::chrono_literals;

TEST(Run, CapturesOutputAndExitStatus) {
  // given a program that writes to both streams and exits 3, then both are captured apart.
  auto r = io::run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Run, AProgramThatHangsIsStoppedAtItsDeadline) {
  // given a program that would run for a minute, when run with a 300 ms deadline, then it is
  // killed and Unavailable names it, well before the minute (the caller holds a volume's lock).
  auto start = std::chrono::steady_clock::now();
  try {
    (void)io::run({"sleep", "60"}, {}, 300ms);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Unavailable);
    EXPECT_EQ(e.message(), "sleep did not finish within 300 ms and was stopped");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(Run, AMissingProgramSaysHowToInstallIt) {
  try {
    (void)io::run({"dvol-no-such-program"}, "apt-get install nothing");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Unsupported);
    EXPECT_EQ(e.hint(), "apt-get install nothing");
  }
}

}  // namespace
}  // namespace dvol
