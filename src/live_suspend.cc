#include "src/live_suspend.h"

#include "io/error.h"
#include "src/naming.h"
#include "src/volume.h"

namespace dvol {

dm::SuspendedDevice suspend_live_branch(Volume& volume, uint32_t thin_id) {
  auto name = thin_dm_name(volume.record().uid, thin_id);
  try {
    return dm::SuspendedDevice::suspend(volume.host().dm, name);
  } catch (const Error& e) {
    // An I/O error is the freeze failing: ext4 with an aborted journal, xfs shut down.
    if (e.code() != Code::Io) throw;
  }
  try {
    volume.remount_branch(thin_id);
  } catch (const Error& e) {
    if (e.code() != Code::Unavailable) throw;
    throw Error(Code::Unavailable,
                "the filesystem of volume " + volume.name() +
                    " stopped after a write error (did its pool run out of space?) and must be mounted again, "
                    "but it is in use",
                e.detail())
        .with_hint("stop the containers using volume " + volume.name() + ", then run the command again");
  }
  return dm::SuspendedDevice::suspend(volume.host().dm, name);
}

}  // namespace dvol
