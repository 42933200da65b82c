#include "src/containers.h"

#include <algorithm>

#include "io/error.h"

namespace dvol {

std::vector<Container> containers_using(ContainerEngine* engine, const std::string& volume) {
  std::vector<Container> users;
  if (!engine) return users;
  for (auto& c : engine->running())
    if (std::find(c.volumes.begin(), c.volumes.end(), volume) != c.volumes.end()) users.push_back(std::move(c));
  std::sort(users.begin(), users.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return users;
}

void StoppedContainers::stop_users(ContainerEngine* engine, const std::string& volume, ContainerPolicy policy,
                                   const std::string& doing) {
  auto users = containers_using(engine, volume);
  if (users.empty()) return;
  if (policy == ContainerPolicy::Refuse)
    throw Error(Code::FailedPrecondition,
                "container " + users[0].name + " is using " + volume + ", please stop it before " + doing + ".")
        .with_hint("or give --restart-containers to stop it, switch, and start it again");
  engine_ = engine;
  for (const auto& c : users) {
    try {
      engine_->stop(c);
    } catch (const Error& e) {
      Error refused(Code::Unavailable, "could not stop container " + c.name + ": " + e.message() + "; nothing was changed");
      for (const auto& failure : restart().failures) refused.append_hint(failure);
      throw refused;
    }
    stopped_.push_back(c);
  }
}

StoppedContainers::Outcome StoppedContainers::restart() {
  Outcome outcome;
  for (const auto& c : stopped_) {
    try {
      engine_->start(c);
      outcome.restarted.push_back(c.name);
    } catch (const std::exception& e) {
      outcome.failures.push_back("container " + c.name + " could not be started again: " + e.what() +
                                 " (start it with 'docker start " + c.name + "')");
    }
  }
  stopped_.clear();
  return outcome;
}

StoppedContainers::~StoppedContainers() {
  if (!stopped_.empty()) (void)restart();
}

}  // namespace dvol
