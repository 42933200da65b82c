#include "src/host.h"

#include "dm/libdm_control.h"
#include "dm/serialized_control.h"

namespace dvol {

KernelControl::KernelControl(bool shared_by_threads) : control_(std::make_unique<dm::LibDmControl>()) {
  if (shared_by_threads) control_ = std::make_unique<dm::SerializedControl>(std::move(control_));
}

KernelControl::~KernelControl() = default;

}  // namespace dvol
