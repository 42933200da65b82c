#include "src/host.h"

#include "dm/libdm_control.h"
#include "dm/serialized_control.h"

namespace dvol {

std::unique_ptr<dm::Control> kernel_control(bool shared_by_threads) {
  std::unique_ptr<dm::Control> control = std::make_unique<dm::LibDmControl>();
  if (shared_by_threads) control = std::make_unique<dm::SerializedControl>(std::move(control));
  return control;
}

}  // namespace dvol
