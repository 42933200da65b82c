// dm/busy_device_wait.h: how long a remove waits for a busy device. Holders that come and go
// (a udev rule's process per change event, queued one behind the other) are waited out; one
// holder that stays is given up on after the patience, and the whole wait is bounded.
#include "dm/busy_device_wait.h"

#include <gtest/gtest.h>

namespace dvol::dm {
namespace {

using namespace std::chrono_literals;
using Clock = BusyDeviceWait::Clock;

const Clock::time_point t0{};

TEST(BusyDeviceWait, WaitsOutHoldersThatFollowEachOtherLongerThanThePatience) {
  BusyDeviceWait wait(10s, 60s, t0);
  // A 3 s hold per change event, six events queued: 18 s of holds, no one of them 10 s long.
  for (int hold = 0; hold < 6; ++hold)
    for (std::chrono::milliseconds at = 0s; at < 3s; at += 500ms)
      EXPECT_TRUE(wait.keep_waiting({"open by sh (pid " + std::to_string(900 + hold) + ")"}, t0 + hold * 3s + at))
          << "hold " << hold << " at " << at.count();
}

TEST(BusyDeviceWait, GivesUpOnAHolderThatStaysForThePatienceAndSaysWhoItIs) {
  BusyDeviceWait wait(10s, 60s, t0);
  EXPECT_TRUE(wait.keep_waiting({"open by sleep (pid 1042)"}, t0 + 1s));
  EXPECT_TRUE(wait.keep_waiting({"open by sleep (pid 1042)"}, t0 + 10s));
  EXPECT_FALSE(wait.keep_waiting({"open by sleep (pid 1042)"}, t0 + 11s));
  EXPECT_EQ(wait.users(), std::vector<std::string>{"open by sleep (pid 1042)"});
  EXPECT_EQ(wait.waited(t0 + 11s), 11s);
}

TEST(BusyDeviceWait, GivesUpOnAHolderThatStaysWhileOthersComeAndGo) {
  BusyDeviceWait wait(10s, 60s, t0);
  EXPECT_TRUE(wait.keep_waiting({"mounted at /x", "open by sh (pid 1)"}, t0));
  EXPECT_TRUE(wait.keep_waiting({"mounted at /x", "open by sh (pid 2)"}, t0 + 5s));
  EXPECT_FALSE(wait.keep_waiting({"mounted at /x", "open by sh (pid 3)"}, t0 + 10s));
}

TEST(BusyDeviceWait, AHolderOutOfSightCountsAsOneThatStays) {
  // A process in another pid namespace: the device is busy, nobody is listed.
  BusyDeviceWait wait(10s, 60s, t0);
  EXPECT_TRUE(wait.keep_waiting({}, t0));
  EXPECT_TRUE(wait.keep_waiting({}, t0 + 9s));
  EXPECT_FALSE(wait.keep_waiting({}, t0 + 10s));
  EXPECT_TRUE(wait.users().empty());
}

TEST(BusyDeviceWait, HoldersThatNeverStopComingEndTheWaitAtTheLimit) {
  BusyDeviceWait wait(10s, 60s, t0);
  int pid = 0;
  auto at = 0s;
  for (; at < 60s; at += 1s) ASSERT_TRUE(wait.keep_waiting({"open by sh (pid " + std::to_string(++pid) + ")"}, t0 + at));
  EXPECT_FALSE(wait.keep_waiting({"open by sh (pid " + std::to_string(++pid) + ")"}, t0 + at));
}

}  // namespace
}  // namespace dvol::dm
