#include "io/mount.h"

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>

#include "io/crash_point.h"
#include "io/error.h"
#include "io/files.h"

namespace dvol::io {

namespace fs = std::filesystem;

void mount_filesystem(const std::string& device, const fs::path& target, const MountOptions& options) {
  crash_point("mount");
  unsigned long flags = MS_NOSUID | MS_NODEV;
  if (options.read_only) flags |= MS_RDONLY;
  if (::mount(device.c_str(), target.c_str(), options.fstype.c_str(), flags,
              options.data.empty() ? nullptr : options.data.c_str()) != 0) {
    int err = errno;
    throw Error(err == EBUSY ? Code::Unavailable : Code::Io,
                "cannot mount " + device + " at " + target.string() + ": " + std::strerror(err),
                "mount -t " + options.fstype + " -o " + options.data);
  }
}

void mount_filesystem_dir(const std::string& device, const std::string& dir, const fs::path& target,
                          const fs::path& staging, const MountOptions& options) {
  if (dir.empty()) return mount_filesystem(device, target, options);
  while (is_mountpoint(staging))
    if (::umount2(staging.c_str(), MNT_DETACH) != 0) throw sys_error("unmount", staging.string(), errno);
  fs::create_directories(staging);
  // The guard unmounts `staging` when this returns, on every path.
  auto whole = Mount::mount(device, staging, options);
  // A bind mount keeps the flags of the mount it copies (nosuid, nodev, ro). The kernel ignores
  // its type; "none", not a null pointer, so that checkers such as Valgrind see a string.
  if (::mount((staging / dir).c_str(), target.c_str(), "none", MS_BIND, nullptr) != 0) {
    int err = errno;
    throw Error(err == EBUSY ? Code::Unavailable : Code::Io,
                "cannot mount " + device + " at " + target.string() + ": " + std::strerror(err),
                "mount --bind " + (staging / dir).string() + " " + target.string());
  }
}

void unmount(const fs::path& target) {
  crash_point("unmount");
  if (::umount2(target.c_str(), 0) == 0) return;
  int err = errno;
  if (err == EINVAL || err == ENOENT) return;  // not mounted: nothing to do
  if (err == EBUSY)
    throw Error(Code::Unavailable, target.string() + " is in use; stop the programs using it first",
                "umount: EBUSY");
  throw sys_error("unmount", target.string(), err);
}

// mountinfo escapes space, tab, newline and backslash as octal.
static std::string unescape_mountinfo(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto octal = [](char c) { return c >= '0' && c <= '7'; };
    if (s[i] == '\\' && i + 4 <= s.size() && octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct MountEntry {
  std::string dev;
  fs::path point;
};

static std::vector<MountEntry> read_mounts(const fs::path& mountinfo = "/proc/self/mountinfo") {
  std::vector<MountEntry> out;
  auto text = read_small_file(mountinfo);
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    out.push_back({dev, unescape_mountinfo(point)});
  }
  return out;
}

bool is_mountpoint(const fs::path& path) { return !mounted_device(path).empty(); }

std::string mounted_device(const fs::path& path) {
  std::string dev;
  for (auto& m : read_mounts())
    if (m.point == path) dev = m.dev;  // the last one is on top
  return dev;
}

bool mount_stopped_writing(const fs::path& path) {
  if (!is_mountpoint(path)) return false;
  struct statvfs st{};
  if (::statvfs(path.c_str(), &st) != 0) return true;  // EIO: a shut-down filesystem
  return (st.f_flag & ST_RDONLY) != 0;
}

std::map<std::string, size_t> other_namespace_mounts() {
  std::map<std::string, size_t> out;
  std::error_code ec;
  auto own = fs::read_symlink("/proc/self/ns/mnt", ec);
  std::set<fs::path> seen{own};
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    auto pid = entry.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code gone;  // processes come and go while we look
    auto ns = fs::read_symlink(entry.path() / "ns" / "mnt", gone);
    if (gone || !seen.insert(ns).second) continue;
    std::set<std::string> devices;
    for (auto& m : read_mounts(entry.path() / "mountinfo")) devices.insert(m.dev);
    for (const auto& dev : devices) ++out[dev];
  }
  return out;
}

std::vector<fs::path> mount_points_of(const std::string& major_minor, const fs::path& mountinfo) {
  std::vector<fs::path> out;
  for (auto& m : read_mounts(mountinfo))
    if (m.dev == major_minor) out.push_back(m.point);
  return out;
}

std::vector<fs::path> mounts_under(const fs::path& prefix) {
  std::vector<fs::path> out;
  std::string p = prefix.string();
  for (auto& m : read_mounts()) {
    std::string s = m.point.string();
    if (s == p || (s.size() > p.size() && s.compare(0, p.size(), p) == 0 && s[p.size()] == '/'))
      out.push_back(m.point);
  }
  return out;
}

Mount Mount::mount(const std::string& device, const fs::path& target, const MountOptions& options) {
  mount_filesystem(device, target, options);
  return Mount(target);
}

void Mount::unmount() {
  if (target_.empty()) return;
  io::unmount(target_);
  target_.clear();
}

Mount::~Mount() {
  if (target_.empty()) return;
  if (::umount2(target_.c_str(), 0) != 0 && errno == EBUSY) {
    // Someone still reads the view; detach it so it goes when they finish.
    if (::umount2(target_.c_str(), MNT_DETACH) != 0)
      std::fprintf(stderr, "dvol: warning: could not unmount %s: %s\n", target_.c_str(), std::strerror(errno));
  }
}

}  // namespace dvol::io
