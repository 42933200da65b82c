#include "src/remote/remote_access.h"

#include "src/error.h"
#include "src/volume.h"

namespace dvol::remote {

RemoteAccess open_remote_of(Volume& volume, const std::string& name) {
  auto no_remote = [&] {
    return Error(Code::NotFound, "volume " + volume.name() + " has no remote named " + name)
        .with_hint("add one: dvol remote add " + name + " s3://BUCKET/PREFIX (or file:///DIR) " + volume.name());
  };
  auto state = RemoteState::open_existing(volume.paths().remotes);
  if (!state) throw no_remote();
  auto record = state->remote(name);
  if (!record) throw no_remote();
  auto id = repository_id(*record);
  auto repo = std::make_unique<Repository>(open_object_store(*record));
  return RemoteAccess{std::move(*state), *record, id, std::move(repo)};
}

}  // namespace dvol::remote
