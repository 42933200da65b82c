#pragma once
// The Docker Engine as dvol's ContainerEngine: which running containers use which dvol
// volumes, and stopping/starting them, through the Engine API on its unix socket.
#include <memory>
#include <string>

#include "src/containers.h"

namespace dvol::plugin {

class DockerEngine : public ContainerEngine {
 public:
  // `socket_path` from docker_engine_socket() (src/docker_endpoints.h); empty: an engine dvol
  // cannot reach, so no containers.
  explicit DockerEngine(std::string socket_path) : socket_(std::move(socket_path)) {}

  // No socket, or nothing listening on it: no containers. An engine that answers with an
  // error or not at all throws Unavailable (it may have containers we cannot see).
  std::vector<Container> running() override;
  void stop(const Container& container) override;
  void start(const Container& container) override;

 private:
  std::string socket_;
};

}  // namespace dvol::plugin
