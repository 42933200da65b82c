#include "io/file_space.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include "io/error.h"
#include "io/files.h"

namespace dvol::io {

uint64_t free_bytes(const std::filesystem::path& path) {
  struct statvfs st{};
  if (::statvfs(path.c_str(), &st) != 0) throw sys_error("statvfs", path.string(), errno);
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

void grow_file(const std::filesystem::path& path, uint64_t bytes) {
  Fd fd = open_file(path, O_RDWR);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) throw sys_error("stat", path.string(), errno);
  if (static_cast<uint64_t>(st.st_size) >= bytes) return;
  if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0) throw sys_error("grow", path.string(), errno);
  // The size must be on disk before anything (the pool's table, dvol's metadata) relies on it.
  if (::fsync(fd.get()) != 0) throw sys_error("fsync", path.string(), errno);
}

void preallocate_file(const std::filesystem::path& path) {
  Fd fd = open_file(path, O_RDWR);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) throw sys_error("stat", path.string(), errno);
  int rc;
  do rc = ::fallocate(fd.get(), 0, 0, st.st_size);
  while (rc != 0 && errno == EINTR);
  // A filesystem that cannot reserve (hostfs, some network filesystems) leaves the file
  // sparse: the free-space checks before commits are then its only guard.
  if (rc != 0 && errno == EOPNOTSUPP) return;
  if (rc != 0) throw sys_error("reserve space for", path.string(), errno);
  if (::fsync(fd.get()) != 0) throw sys_error("fsync", path.string(), errno);
}

}  // namespace dvol::io
