#pragma once
// Runs a switch (checkout, reset) that may have to stop the containers using the volume, and
// starts them again once the switch is over and its lock released, whether it worked or not.
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
  }
  auto outcome = stopped.restart();
  result.restarted = std::move(outcome.restarted);
  result.restart_failures = std::move(outcome.failures);
  return result;
}

}  // namespace dvol
