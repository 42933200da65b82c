#include "src/docker_endpoints.h"

#include <cstdlib>

namespace dvol {

std::optional<std::string> docker_engine_socket() {
  const char* host = std::getenv("DOCKER_HOST");
  if (!host || !*host) return "/var/run/docker.sock";
  std::string value = host;
  if (value.rfind("unix://", 0) == 0) return value.substr(7);
  return std::nullopt;
}

}  // namespace dvol
