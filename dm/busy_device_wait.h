#pragma once
// How long a remove keeps retrying a device that is busy. Another process may hold the device
// for a moment after dvol closed it: udev runs its rules after every change event (each
// resume), and someone else's rule may open the device for a while, one new process per event,
// queued one behind the other. A fixed wait fails when such holds follow each other; waiting
// forever hangs on a real holder. So: wait while the holders come and go, give up once one
// holder has had the device for `patience`, or after `limit` in all.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace dvol::dm {

class BusyDeviceWait {
 public:
  using Clock = std::chrono::steady_clock;

  BusyDeviceWait(Clock::duration patience, Clock::duration limit, Clock::time_point now)
      : patience_(patience), limit_(limit), start_(now) {}

  // Records who holds the device at `now` (lines of io::device_users; none when the holder is
  // out of our sight); false once it is time to give up.
  bool keep_waiting(const std::vector<std::string>& users, Clock::time_point now);

  // Who held the device when last asked, and how long the wait has lasted.
  const std::vector<std::string>& users() const { return users_; }
  Clock::duration waited(Clock::time_point now) const { return now - start_; }

 private:
  Clock::duration patience_;
  Clock::duration limit_;
  Clock::time_point start_;
  std::vector<std::string> users_;
  std::map<std::string, Clock::time_point> holding_since_;  // "" stands for an unseen holder
};

}  // namespace dvol::dm
