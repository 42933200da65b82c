#pragma once
// Reads the Docker Engine's GET /containers/json reply: each container's id, name and the dvol
// volumes among its mounts (Driver "dvol"). Throws InvalidArgument on anything else.
#include <string_view>
#include <vector>

#include "src/containers.h"

namespace dvol::plugin {

std::vector<Container> parse_container_list(std::string_view json);

}  // namespace dvol::plugin
