#pragma once
// Host: what the operations need from the machine, built once by main() (or a test) and
// passed down. No globals.
#include <filesystem>
#include <memory>

namespace dvol {

namespace dm {
class Control;
}
class ContainerEngine;

struct Host {
  std::filesystem::path root;  // state root (--root, DVOL_ROOT, /var/lib/dvol)
  dm::Control& dm;
  ContainerEngine* containers = nullptr;  // none: no container is ever in the way (--no-docker)
};

// Throws PermissionDenied ("dvol <command> needs root ...") unless running as root.
void require_root(const char* command);

// The running kernel's device-mapper (libdevmapper), for a Host. Making one touches no device.
// `shared_by_threads`: safe to call from several threads at once (each call then runs alone).
class KernelControl {
 public:
  explicit KernelControl(bool shared_by_threads = false);
  ~KernelControl();
  KernelControl(const KernelControl&) = delete;
  KernelControl& operator=(const KernelControl&) = delete;

  dm::Control& get() { return *control_; }

 private:
  std::unique_ptr<dm::Control> control_;
};

}  // namespace dvol
