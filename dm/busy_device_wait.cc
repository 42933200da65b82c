#include "dm/busy_device_wait.h"

namespace dvol::dm {

bool BusyDeviceWait::keep_waiting(const std::vector<std::string>& users, Clock::time_point now) {
  users_ = users;
  std::vector<std::string> seen = users.empty() ? std::vector<std::string>{""} : users;
  std::map<std::string, Clock::time_point> still_holding;
  for (const auto& user : seen) {
    auto earlier = holding_since_.find(user);
    still_holding[user] = earlier == holding_since_.end() ? now : earlier->second;
  }
  holding_since_ = std::move(still_holding);
  if (now - start_ >= limit_) return false;
  for (const auto& [user, since] : holding_since_)
    if (now - since >= patience_) return false;
  return true;
}

}  // namespace dvol::dm
