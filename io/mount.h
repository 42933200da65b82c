#pragma once
// Mounting filesystems. mount_filesystem()/unmount() change persistent state (a branch stays
// mounted at its path after dvol exits); Mount is the guard for a temporary mount (a
// read-only view of a commit): its destructor unmounts.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace dvol::io {

struct MountOptions {
  std::string fstype;     // "ext4", "xfs"
  bool read_only = false;
  std::string data;       // filesystem options, e.g. "noload"
};

// Mounts `device` at `target` with nosuid,nodev. Throws with the kernel's reason.
void mount_filesystem(const std::string& device, const std::filesystem::path& target, const MountOptions& options);

// Mounts directory `dir` of the filesystem on `device` at `target` (nosuid,nodev like the
// filesystem): the whole filesystem is mounted at `staging` for the instant of a bind mount of
// its `dir`, then unmounted there, so that `target` is its only mount. Whatever a crash in that
// instant left at `staging` is unmounted first. An empty `dir` mounts the whole filesystem.
void mount_filesystem_dir(const std::string& device, const std::string& dir, const std::filesystem::path& target,
                          const std::filesystem::path& staging, const MountOptions& options);

// Unmounts `target`. Busy: throws Unavailable naming the path. Not mounted: fine.
void unmount(const std::filesystem::path& target);

// True if something is mounted exactly at `path` (from /proc/self/mountinfo).
bool is_mountpoint(const std::filesystem::path& path);

// The device number ("major:minor") mounted at `path`, if any.
std::string mounted_device(const std::filesystem::path& path);

// True if the filesystem mounted at `path` no longer takes writes: mounted read-only, or
// turned read-only by the kernel after a write error (ext4 aborts its journal; a shut-down
// xfs fails even statfs). Not mounted: false.
bool mount_stopped_writing(const std::filesystem::path& path);

// For each device number ("major:minor"), how many mount namespaces other than ours have it
// mounted: containers hold a volume's filesystem through their own namespace, invisible in ours.
std::map<std::string, size_t> other_namespace_mounts();

// Where the device `major_minor` ("253:4") is mounted, from a mountinfo file (ours by default).
std::vector<std::filesystem::path> mount_points_of(const std::string& major_minor,
                                                   const std::filesystem::path& mountinfo = "/proc/self/mountinfo");

// All mount points at or below `prefix`.
std::vector<std::filesystem::path> mounts_under(const std::filesystem::path& prefix);

class Mount {
 public:
  [[nodiscard]] static Mount mount(const std::string& device, const std::filesystem::path& target,
                                   const MountOptions& options);
  Mount(Mount&& o) noexcept : target_(std::move(o.target_)) { o.target_.clear(); }
  Mount& operator=(Mount&&) = delete;
  Mount(const Mount&) = delete;
  ~Mount();  // unmounts (lazily if busy); a failure is logged, never thrown

  const std::filesystem::path& target() const { return target_; }
  void unmount();  // reports errors on the normal path

 private:
  explicit Mount(std::filesystem::path target) : target_(std::move(target)) {}
  std::filesystem::path target_;
};

}  // namespace dvol::io
