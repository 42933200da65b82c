#pragma once
// SuspendedDevice: a dm device suspended for the duration of a scope (for create_snap: the
// origin's mappings must be stable and its filesystem frozen and flushed). The destructor
// resumes it; call resume() on the normal path to see errors.
#include "dm/control.h"

namespace dvol::dm {

class SuspendedDevice {
 public:
  // Suspends `name`, which freezes a filesystem mounted on it. On error nothing is suspended.
  [[nodiscard]] static SuspendedDevice suspend(Control& control, const DmName& name);
  SuspendedDevice(SuspendedDevice&& o) noexcept;
  SuspendedDevice& operator=(SuspendedDevice&&) = delete;
  SuspendedDevice(const SuspendedDevice&) = delete;
  ~SuspendedDevice();  // resumes; a failure is logged to stderr, never thrown

  void resume();

 private:
  SuspendedDevice(Control& control, DmName name) : control_(&control), name_(std::move(name)) {}
  Control* control_;
  DmName name_;
  bool suspended_ = true;
};

}  // namespace dvol::dm
