#pragma once
// Host: what the operations need from the machine, built once by main() (or a test) and
// passed down. No globals.
#include <filesystem>

#include "dm/control.h"

namespace dvol {

class ContainerEngine;

struct Host {
  std::filesystem::path root;  // state root (--root, DVOL_ROOT, /var/lib/dvol)
  dm::Control& dm;
  ContainerEngine* containers = nullptr;  // none: no container is ever in the way (--no-docker)
};

// Throws PermissionDenied ("dvol <command> needs root ...") unless running as root.
void require_root(const char* command);

}  // namespace dvol

#include <memory>

namespace dvol {

// The real kernel interface (libdevmapper); `shared_by_threads`: safe to call from several
// threads at once (each call then runs alone).
std::unique_ptr<dm::Control> kernel_control(bool shared_by_threads = false);

}  // namespace dvol
