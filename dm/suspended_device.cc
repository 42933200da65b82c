#include "dm/suspended_device.h"

#include <cstdio>

#include "io/error.h"

namespace dvol::dm {

SuspendedDevice SuspendedDevice::suspend(Control& control, const DmName& name) {
  control.suspend(name);
  return SuspendedDevice(control, name);
}

SuspendedDevice::SuspendedDevice(SuspendedDevice&& o) noexcept
    : control_(o.control_), name_(o.name_), suspended_(o.suspended_) {
  o.suspended_ = false;
}

void SuspendedDevice::resume() {
  if (!suspended_) return;
  // Failed: still suspended (a running database frozen), and the destructor tries again.
  control_->resume(name_);
  suspended_ = false;
}

SuspendedDevice::~SuspendedDevice() {
  if (!suspended_) return;
  try {
    control_->resume(name_);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dvol: warning: could not resume %s: %s\n", name_.c_str(), e.what());
  }
}

}  // namespace dvol::dm
