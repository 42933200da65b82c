#include "io/loop_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "io/block_device.h"
#include "io/crash_point.h"
#include "io/error.h"
#include "io/files.h"

namespace dvol::io {

namespace fs = std::filesystem;

namespace {

// Opens /dev/loopN, making the node where there is no devtmpfs one (minimal hosts).
Fd open_loop(int n, const std::string& dev) {
  int lfd = ::open(dev.c_str(), O_RDWR | O_CLOEXEC);
  if (lfd < 0 && errno == ENOENT) {
    ::mknod(dev.c_str(), S_IFBLK | 0660, makedev(7, n));  // loop's major is 7
    lfd = ::open(dev.c_str(), O_RDWR | O_CLOEXEC);
  }
  if (lfd < 0) throw sys_error("open", dev, errno);
  return Fd(lfd);
}

loop_info64 autoclear_info(const fs::path& file) {
  loop_info64 info{};
  info.lo_flags = LO_FLAGS_AUTOCLEAR;
  std::string name = file.filename().string();
  std::strncpy(reinterpret_cast<char*>(info.lo_file_name), name.c_str(), LO_NAME_SIZE - 1);
  return info;
}

// The one-call setup; false with errno set on failure.
bool configure(const Fd& loop, const Fd& backing, const fs::path& file) {
  loop_config config{};
  config.fd = static_cast<uint32_t>(backing.get());
  config.info = autoclear_info(file);
  return ::ioctl(loop.get(), LOOP_CONFIGURE, &config) == 0;
}

// The two calls of kernels before 5.8: bind the file, then set autoclear and the name. A
// failure in the second undoes the first. False with errno set on failure.
bool set_fd_and_status(const Fd& loop, const Fd& backing, const fs::path& file) {
  if (::ioctl(loop.get(), LOOP_SET_FD, backing.get()) != 0) return false;
  auto info = autoclear_info(file);
  if (::ioctl(loop.get(), LOOP_SET_STATUS64, &info) == 0) return true;
  int err = errno;
  ::ioctl(loop.get(), LOOP_CLR_FD, 0);  // ignored: nothing else can be done; errno is the status's
  errno = err;
  return false;
}

}  // namespace

AttachedLoop AttachedLoop::attach(const fs::path& file, Setup setup) {
  crash_point("loop attach");
  Fd backing = open_file(file, O_RDWR);
  int ctl = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (ctl < 0) {
    int err = errno;
    throw Error(Code::Unsupported, "loop devices are not available on this host",
                std::string("/dev/loop-control: ") + std::strerror(err))
        .with_hint("load the loop module (modprobe loop), or run dvol inside the test kernel (scripts/uml-run)");
  }
  Fd control(ctl);
  // Another process may take the free device between GET_FREE and attaching: retry.
  for (int attempt = 0; attempt < 64; ++attempt) {
    int n = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) throw sys_error("find a free loop device via", "/dev/loop-control", errno);
    std::string dev = "/dev/loop" + std::to_string(n);
    Fd loop = open_loop(n, dev);
    bool attached = false;
    if (setup == Setup::Configure) {
      attached = configure(loop, backing, file);
      // A kernel before 5.8 does not know LOOP_CONFIGURE.
      if (!attached && (errno == EINVAL || errno == ENOTTY)) setup = Setup::SetFdAndStatus;
    }
    if (!attached && setup == Setup::SetFdAndStatus) attached = set_fd_and_status(loop, backing, file);
    if (attached) {
      struct stat st{};
      if (::fstat(loop.get(), &st) != 0) throw sys_error("stat", dev, errno);
      return AttachedLoop(std::move(loop), dev, st.st_rdev);
    }
    if (errno != EBUSY) throw sys_error("attach " + file.string() + " to", dev, errno);
  }
  throw Error(Code::Unavailable, "no free loop device could be claimed", file.string());
}

std::string AttachedLoop::major_minor() const {
  return io::major_minor(rdev_);
}

void AttachedLoop::refresh_capacity() {
  if (::ioctl(fd_.get(), LOOP_SET_CAPACITY, 0) != 0) throw sys_error("refresh the capacity of", device_, errno);
}

uint64_t refresh_loop_capacity(const std::string& major_minor) {
  unsigned maj = 0, min = 0;
  char tail = 0;
  if (std::sscanf(major_minor.c_str(), "%u:%u%c", &maj, &min, &tail) != 2 || maj != 7)
    throw Error(Code::Internal, "not a loop device: " + major_minor);
  std::string dev = "/dev/loop" + std::to_string(min);
  int fd = ::open(dev.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    ::mknod(dev.c_str(), S_IFBLK | 0660, makedev(maj, min));  // no devtmpfs node (minimal hosts)
    fd = ::open(dev.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) throw sys_error("open", dev, errno);
  Fd loop(fd);
  struct stat st{};
  if (::fstat(loop.get(), &st) != 0) throw sys_error("stat", dev, errno);
  if (st.st_rdev != makedev(maj, min)) throw Error(Code::Internal, dev + " is not device " + major_minor);
  if (::ioctl(loop.get(), LOOP_SET_CAPACITY, 0) != 0) throw sys_error("refresh the capacity of", dev, errno);
  uint64_t bytes = 0;
  if (::ioctl(loop.get(), BLKGETSIZE64, &bytes) != 0) throw sys_error("read the size of", dev, errno);
  return bytes;
}

std::optional<std::string> find_loop_device(const fs::path& file) {
  std::error_code ec;
  auto want = fs::weakly_canonical(file, ec);
  for (const auto& entry : fs::directory_iterator("/sys/block", ec)) {
    auto name = entry.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    auto backing = read_small_file(entry.path() / "loop" / "backing_file");
    if (!backing) continue;
    while (!backing->empty() && backing->back() == '\n') backing->pop_back();
    if (fs::path(*backing) == want || fs::path(*backing) == file) return "/dev/" + name;
  }
  return std::nullopt;
}

int count_attached_loops() {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/block", ec)) {
    if (entry.path().filename().string().rfind("loop", 0) != 0) continue;
    if (fs::exists(entry.path() / "loop" / "backing_file")) ++n;
  }
  return n;
}

}  // namespace dvol::io
