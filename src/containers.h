#pragma once
// Containers: the running containers that use a volume, and stopping/starting them around a
// switch. The engine behind it (Docker) lives outside the domain (plugin/docker_engine.h); the
// domain only needs this interface, and no engine at all means "no containers".
#include <string>
#include <vector>

namespace dvol {

struct Container {
  std::string id;
  std::string name;
  std::vector<std::string> volumes;  // the dvol volumes it uses
};

class ContainerEngine {
 public:
  virtual ~ContainerEngine() = default;
  // Running containers. An engine that is not there answers with none.
  virtual std::vector<Container> running() = 0;
  // Both throw dvol::Error with the engine's reason.
  virtual void stop(const Container& container) = 0;
  virtual void start(const Container& container) = 0;
};

// Running containers that use `volume` (none without an engine), sorted by name.
std::vector<Container> containers_using(ContainerEngine* engine, const std::string& volume);

// What to do when running containers use a volume that is about to switch data.
enum class ContainerPolicy { Refuse, Restart };

// Stops the containers that use a volume before a switch, and starts them again afterwards,
// whether the switch worked or not. Stopping happens under the volume lock (the plugin's
// Unmount takes no lock); starting must wait until that lock is released, because Docker then
// calls the plugin's Mount, which takes it: hence an explicit restart() rather than a destructor.
class StoppedContainers {
 public:
  StoppedContainers() = default;
  StoppedContainers(const StoppedContainers&) = delete;
  StoppedContainers& operator=(const StoppedContainers&) = delete;
  ~StoppedContainers();  // a last resort: starts what restart() was never called for

  // Refuses (FailedPrecondition, "container NAME is using VOLUME, please stop it before
  // `doing`.") under Refuse; under Restart stops them all, or starts again those it stopped
  // and throws when one cannot be stopped.
  void stop_users(ContainerEngine* engine, const std::string& volume, ContainerPolicy policy,
                  const std::string& doing);

  struct Outcome {
    std::vector<std::string> restarted;
    std::vector<std::string> failures;  // "container NAME could not be started again: why"
  };
  // Starts every stopped container again, each even when another fails.
  Outcome restart();

 private:
  ContainerEngine* engine_ = nullptr;
  std::vector<Container> stopped_;
};

}  // namespace dvol
