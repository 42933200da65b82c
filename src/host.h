#pragma once
// Host: what the operations need from the machine, built once by main() (or a test) and
// passed down. No globals.
#include <filesystem>
#include <memory>

namespace dvol {

namespace dm {
class Control;
}
namespace io {
class Mounter;
}
class ContainerEngine;

struct Host {
  std::filesystem::path root;  // state root (--root, DVOL_ROOT, /var/lib/dvol)
  dm::Control& dm;             // device-mapper
  io::Mounter& mounts;         // loop devices, filesystems, mounts
  ContainerEngine* containers = nullptr;  // none: no container is ever in the way (--no-docker)
};

// Throws PermissionDenied ("dvol <command> needs root ...") unless running as root.
void require_root(const char* command);

// The running kernel, for a Host: its device-mapper (libdevmapper) and its mounts. Making one
// touches nothing. `shared_by_threads`: safe to call from several threads at once (each
// device-mapper call then runs alone).
class Kernel {
 public:
  explicit Kernel(bool shared_by_threads = false);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  dm::Control& dm() { return *control_; }
  io::Mounter& mounts() { return *mounter_; }

 private:
  std::unique_ptr<dm::Control> control_;
  std::unique_ptr<io::Mounter> mounter_;
};

}  // namespace dvol
