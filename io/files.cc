#include "io/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

void write_all(int fd, const std::string& data, const std::string& what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("write", what, errno);
    done += static_cast<size_t>(n);
  }
}

namespace {

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
}

// Removes a temporary file on every path out of a write, unless kept.
class TemporaryName {
 public:
  explicit TemporaryName(std::filesystem::path path) : path_(std::move(path)) {}
  ~TemporaryName() {
    if (!path_.empty()) ::unlink(path_.c_str());  // ignored: a leftover is overwritten next time
  }
  TemporaryName(const TemporaryName&) = delete;
  void keep() { path_.clear(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& contents, mode_t mode) {
  crash_point("write file");
  auto tmp = path;
  tmp += ".tmp";
  TemporaryName cleanup(tmp);
  {
    Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
    // open's mode is masked by the umask and ignored for an existing file: set it exactly.
    if (::fchmod(fd.get(), mode) != 0) throw sys_error("chmod", tmp.string(), errno);
    write_all(fd.get(), contents, tmp.string());
    if (::fsync(fd.get()) != 0) throw sys_error("fsync", tmp.string(), errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw sys_error("rename", path.string(), errno);
  cleanup.keep();  // it is `path` now
  fsync_directory(directory_of(path));
}

void link_new_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  TemporaryName cleanup(from);  // the file lives on under `to`, or was not wanted
  if (::link(from.c_str(), to.c_str()) != 0) {
    int err = errno;
    if (err == EEXIST) throw Error(Code::AlreadyExists, to.string() + " already exists");
    throw sys_error("link", to.string(), err);
  }
  fsync_directory(directory_of(to));
}

void fsync_directory(const std::filesystem::path& dir) {
  Fd fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) throw sys_error("fsync", dir.string(), errno);
}

void sync_filesystem(const std::filesystem::path& path) {
  Fd fd = open_file(path, O_RDONLY | O_DIRECTORY);
  if (::syncfs(fd.get()) != 0) throw sys_error("sync", path.string(), errno);
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
