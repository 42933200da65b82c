#include "src/host.h"

#include "dm/libdm_control.h"

namespace dvol {

std::unique_ptr<dm::Control> kernel_control() { return std::make_unique<dm::LibDmControl>(); }

}  // namespace dvol
