#pragma once
// io::Mounter: the block-device plumbing between a dm device and a path: loop devices for a
// pool's files, filesystems and the mounts that serve them. KernelMounter is the real one; host
// tests use a fake that logs every call and can fail at any step (tests/support/fake_kernel.h).
// Read-only views (io::Mount) and scans stay direct calls: they change no lasting state.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/filesystem.h"
#include "io/mount.h"

namespace dvol::io {

// A file attached to a loop device, held open. Closing it (the destructor) lets the kernel
// detach the device as soon as nothing else (a dm table) holds it.
class LoopHandle {
 public:
  virtual ~LoopHandle() = default;
  virtual std::string major_minor() const = 0;  // "7:3", how dm tables name it
};

class Mounter {
 public:
  virtual ~Mounter() = default;

  // See io/loop_device.h.
  [[nodiscard]] virtual std::unique_ptr<LoopHandle> attach_loop(const std::filesystem::path& file) = 0;
  virtual uint64_t refresh_loop_capacity(const std::string& major_minor) = 0;
  // See io/filesystem.h.
  virtual void make_filesystem(FsType type, const std::string& device, const std::string& top_dir) = 0;
  // See io/mount.h.
  virtual void mount_filesystem_dir(const std::string& device, const std::string& dir,
                                    const std::filesystem::path& target, const std::filesystem::path& staging,
                                    const MountOptions& options) = 0;
  virtual void unmount(const std::filesystem::path& target) = 0;
  virtual std::string mounted_device(const std::filesystem::path& path) = 0;
  virtual bool mount_stopped_writing(const std::filesystem::path& path) = 0;
  virtual std::vector<std::filesystem::path> mounts_under(const std::filesystem::path& prefix) = 0;
  virtual std::map<std::string, size_t> other_namespace_mounts() = 0;
};

// The running kernel's.
class KernelMounter final : public Mounter {
 public:
  std::unique_ptr<LoopHandle> attach_loop(const std::filesystem::path& file) override;
  uint64_t refresh_loop_capacity(const std::string& major_minor) override;
  void make_filesystem(FsType type, const std::string& device, const std::string& top_dir) override;
  void mount_filesystem_dir(const std::string& device, const std::string& dir, const std::filesystem::path& target,
                            const std::filesystem::path& staging, const MountOptions& options) override;
  void unmount(const std::filesystem::path& target) override;
  std::string mounted_device(const std::filesystem::path& path) override;
  bool mount_stopped_writing(const std::filesystem::path& path) override;
  std::vector<std::filesystem::path> mounts_under(const std::filesystem::path& prefix) override;
  std::map<std::string, size_t> other_namespace_mounts() override;
};

}  // namespace dvol::io
