#include "src/host.h"

#include "dm/libdm_control.h"
#include "dm/serialized_control.h"
#include "io/mounter.h"

namespace dvol {

Kernel::Kernel(bool shared_by_threads)
    : control_(std::make_unique<dm::LibDmControl>()), mounter_(std::make_unique<io::KernelMounter>()) {
  if (shared_by_threads) control_ = std::make_unique<dm::SerializedControl>(std::move(control_));
}

Kernel::~Kernel() = default;

}  // namespace dvol
