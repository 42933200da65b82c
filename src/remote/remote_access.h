#pragma once
// What push and pull open first: the volume's remote by name, its tracking state and its
// repository.
#include <memory>
#include <string>

#include "src/remote/remote_state.h"
#include "src/remote/repository.h"

namespace dvol {
class Volume;
}

namespace dvol::remote {

struct RemoteAccess {
  RemoteState state;
  RemoteRecord record;
  std::string repository_id;
  std::unique_ptr<Repository> repository;
};

// NotFound, with how to add one, when the volume has no remote `name`.
[[nodiscard]] RemoteAccess open_remote_of(Volume& volume, const std::string& name);

}  // namespace dvol::remote
