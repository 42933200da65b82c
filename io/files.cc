#include "io/files.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "io/crash_point.h"
#include "io/error.h"

namespace dvol::io {

Fd open_file(const std::filesystem::path& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw sys_error("open", path.string(), errno);
  return Fd(fd);
}

std::optional<std::string> read_small_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw sys_error("open", path.string(), errno);
  }
  Fd owned(fd);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("read", path.string(), errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

static void write_all(int fd, const std::string& data, const std::string& what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("write", what, errno);
    done += static_cast<size_t>(n);
  }
}

void write_file_atomically(const std::filesystem::path& path, const std::string& contents) {
  crash_point("write file");
  auto tmp = path;
  tmp += ".tmp";
  {
    Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    write_all(fd.get(), contents, tmp.string());
    if (::fsync(fd.get()) != 0) throw sys_error("fsync", tmp.string(), errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw sys_error("rename", tmp.string(), errno);
  Fd dir = open_file(path.parent_path().empty() ? "." : path.parent_path(), O_RDONLY | O_DIRECTORY);
  ::fsync(dir.get());  // ignored: some filesystems refuse fsync on directories
}

void create_sparse_file(const std::filesystem::path& path, uint64_t bytes) {
  crash_point("create file");
  Fd fd = open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0)
    throw sys_error("resize", path.string(), errno);
  if (::fsync(fd.get()) != 0) throw sys_error("fsync", path.string(), errno);
}

uint64_t allocated_bytes(const std::filesystem::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) throw sys_error("stat", path.string(), errno);
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

}  // namespace dvol::io
