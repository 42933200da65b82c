#include "io/block_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>

#include "io/error.h"
#include "io/files.h"

namespace dvol::io {

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

}  // namespace dvol::io
