#pragma once
// dvol doctor: checks everything dvol needs on this host and says how to fix what is missing.
#include <string>
#include <vector>

#include "src/host.h"

namespace dvol {

struct DoctorCheck {
  std::string name;     // "device-mapper thin provisioning"
  bool ok = false;
  bool required = true; // a missing optional item (Docker) does not fail the doctor
  std::string detail;   // what was found, or what is wrong
  std::string fix;      // how to fix it, when not ok
};

// Runs every check, for the state root and kernel of `host`. Only looks: loads no module and
// changes nothing. Never throws for a missing feature: that is a failed check.
std::vector<DoctorCheck> run_doctor(Host& host);

}  // namespace dvol
