#pragma once
// Runs a switch (checkout, reset) that may have to stop the containers using the volume, and
// starts them again once the switch is over and its lock released, whether it worked or not.
#include <exception>
#include <string>

#include "io/error.h"
#include "src/containers.h"

namespace dvol {

// `do_switch(StoppedContainers&)` returns a Result with `restarted` and `restart_failures`.
template <class Result, class Switch>
Result around_containers(Switch&& do_switch) {
  StoppedContainers stopped;
  Result result;
  try {
    result = do_switch(stopped);
  } catch (Error& e) {
    for (const auto& failure : stopped.restart().failures) e.append_hint(failure);
    throw;
  } catch (const std::exception& e) {
    // Whatever failed, the containers stopped for the switch are started again; a failure
    // to start one is reported, not dropped.
    auto outcome = stopped.restart();
    if (outcome.failures.empty()) throw;
    Error error(Code::Internal, std::string("the switch failed (") + e.what() +
                                    "), and then some containers could not be started again");
    for (const auto& failure : outcome.failures) error.append_hint(failure);
    throw error;
  }
  auto outcome = stopped.restart();
  result.restarted = std::move(outcome.restarted);
  result.restart_failures = std::move(outcome.failures);
  return result;
}

}  // namespace dvol
