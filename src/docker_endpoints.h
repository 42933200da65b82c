#pragma once
// Where dvol meets Docker on this host: the engine's socket (for container awareness and
// doctor) and the socket the volume plugin serves. One definition for every command.
#include <optional>
#include <string>

namespace dvol {

// The socket Docker's plugin discovery looks for a plugin named "dvol" at (the systemd
// socket unit listens here too).
inline constexpr const char* kPluginSocket = "/run/docker/plugins/dvol.sock";

// The Docker engine's API socket, as the docker CLI finds it: DOCKER_HOST=unix://PATH, else
// /var/run/docker.sock. nullopt when DOCKER_HOST names an engine dvol cannot reach (tcp://,
// ssh://): dvol manages volumes on this host, and only a local engine mounts them.
std::optional<std::string> docker_engine_socket();

}  // namespace dvol
