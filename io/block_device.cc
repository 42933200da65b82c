#include "io/block_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "io/error.h"
#include "io/files.h"
#include "io/scratch_dir.h"

namespace dvol::io {

namespace {

namespace fs = std::filesystem;

dev_t parse_major_minor(const std::string& mm) {
  unsigned maj = 0, min = 0;
  char extra = 0;
  if (std::sscanf(mm.c_str(), "%u:%u%c", &maj, &min, &extra) != 2)
    throw Error(Code::InvalidArgument, "'" + mm + "' is not a major:minor device number");
  return makedev(maj, min);
}

bool is_node_of(const std::string& path, dev_t dev) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == dev;
}

// The /dev node the kernel named for `mm`, if it exists (devtmpfs makes it without udev).
std::optional<std::string> dev_node(const std::string& mm, dev_t dev) {
  auto uevent = read_small_file("/sys/dev/block/" + mm + "/uevent");
  if (!uevent) return std::nullopt;
  auto pos = uevent->find("DEVNAME=");
  if (pos == std::string::npos) return std::nullopt;
  auto end = uevent->find('\n', pos);
  std::string path = "/dev/" + uevent->substr(pos + 8, end == std::string::npos ? end : end - pos - 8);
  if (!is_node_of(path, dev)) return std::nullopt;
  return path;
}

}  // namespace

std::string major_minor(dev_t dev) { return std::to_string(major(dev)) + ":" + std::to_string(minor(dev)); }

uint64_t size_of(int fd, const std::string& path) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) throw sys_error("stat", path, errno);
  if (S_ISBLK(st.st_mode)) {
    uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) throw sys_error("get the size of", path, errno);
    return bytes;
  }
  return static_cast<uint64_t>(st.st_size);
}

ReadHandle open_for_reading(const std::string& path, bool try_direct) {
  ReadHandle h;
  if (try_direct) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd >= 0) {
      h.fd = Fd(fd);
      h.direct = true;
    } else if (errno != EINVAL) {
      throw sys_error("open", path, errno);
    }
  }
  if (!h.fd.valid()) h.fd = open_file(path, O_RDONLY);
  h.size = size_of(h.fd.get(), path);
  return h;
}

ReadHandle open_device_for_reading(const std::string& major_minor, std::string* opened) {
  dev_t dev = parse_major_minor(major_minor);
  if (auto node = dev_node(major_minor, dev)) {
    if (opened) *opened = *node;
    return open_for_reading(*node);
  }
  // No /dev node (no devtmpfs, or a renamed node): make a private one, open it, remove it (the
  // descriptor stays valid).
  ScratchDir dir("dvol-dev");
  std::string node = (dir.path() / "dev").string();
  if (::mknod(node.c_str(), S_IFBLK | 0600, dev) != 0)
    throw sys_error("create a device node for " + major_minor + " at", node, errno);
  auto h = open_for_reading(node);
  if (opened) *opened = major_minor;
  return h;
}

}  // namespace dvol::io
