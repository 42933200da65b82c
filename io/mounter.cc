#include "io/mounter.h"

#include "io/loop_device.h"

namespace dvol::io {

namespace {

class KernelLoop final : public LoopHandle {
 public:
  explicit KernelLoop(AttachedLoop loop) : loop_(std::move(loop)) {}
  std::string major_minor() const override { return loop_.major_minor(); }

 private:
  AttachedLoop loop_;
};

}  // namespace

std::unique_ptr<LoopHandle> KernelMounter::attach_loop(const std::filesystem::path& file) {
  return std::make_unique<KernelLoop>(AttachedLoop::attach(file));
}

uint64_t KernelMounter::refresh_loop_capacity(const std::string& major_minor) {
  return io::refresh_loop_capacity(major_minor);
}

void KernelMounter::make_filesystem(FsType type, const std::string& device, const std::string& top_dir) {
  io::make_filesystem(type, device, top_dir);
}

void KernelMounter::mount_filesystem_dir(const std::string& device, const std::string& dir,
                                         const std::filesystem::path& target, const std::filesystem::path& staging,
                                         const MountOptions& options) {
  io::mount_filesystem_dir(device, dir, target, staging, options);
}

void KernelMounter::unmount(const std::filesystem::path& target) { io::unmount(target); }

std::string KernelMounter::mounted_device(const std::filesystem::path& path) { return io::mounted_device(path); }

bool KernelMounter::mount_stopped_writing(const std::filesystem::path& path) {
  return io::mount_stopped_writing(path);
}

std::vector<std::filesystem::path> KernelMounter::mounts_under(const std::filesystem::path& prefix) {
  return io::mounts_under(prefix);
}

std::map<std::string, size_t> KernelMounter::other_namespace_mounts() { return io::other_namespace_mounts(); }

}  // namespace dvol::io
