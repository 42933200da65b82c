#pragma once
// Host: what the operations need from the machine, built once by main() (or a test) and
// passed down. No globals.
#include <filesystem>

#include "dm/control.h"

namespace dvol {

struct Host {
  std::filesystem::path root;  // state root (--root, DVOL_ROOT, /var/lib/dvol)
  dm::Control& dm;
};

// Throws PermissionDenied ("dvol <command> needs root ...") unless running as root.
void require_root(const char* command);

}  // namespace dvol

#include <memory>

namespace dvol {

// The real kernel interface (libdevmapper).
std::unique_ptr<dm::Control> kernel_control();

}  // namespace dvol
