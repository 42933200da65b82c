#include "io/file_object_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "io/crash_point.h"
#include "io/error.h"
#include "io/fd.h"
#include "io/files.h"
#include "io/sha256.h"

namespace dvol::io {

namespace fs = std::filesystem;

namespace {

// Temporary files start with this, and list() never shows them; a crash may leave one.
constexpr const char* kTemporaryPrefix = ".dvol-tmp-";
constexpr const char* kLockName = ".dvol-lock";

std::string read_all(int fd, const std::string& what) {
  std::string out;
  struct stat st{};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("read", what, errno);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string unique_suffix() {
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(rd());
}

// Writes `data` to a new temporary file beside `path` and renames it to `path` (replacing),
// after fsync; the directory is fsynced too.
void write_in_place(const fs::path& path, const std::string& data) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw sys_error("create directory", path.parent_path().string(), ec.value());
  fs::path tmp = path.parent_path() / (std::string(kTemporaryPrefix) + unique_suffix());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      if (!p.empty()) ::unlink(p.c_str());
    }
  } cleanup{tmp};
  {
    Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    write_all(fd.get(), data, tmp.string());
    if (::fsync(fd.get()) != 0) throw sys_error("fsync", tmp.string(), errno);
  }
  crash_point("remote object written");
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw sys_error("rename", path.string(), errno);
  cleanup.p.clear();
  fsync_directory(path.parent_path());
}

// An exclusive flock on the store's lock file for as long as it lives.
class DirectoryLock {
 public:
  explicit DirectoryLock(const fs::path& dir) : fd_(open_file(dir / kLockName, O_RDWR | O_CREAT, 0644)) {
    while (::flock(fd_.get(), LOCK_EX) != 0) {
      if (errno != EINTR) throw sys_error("lock", (dir / kLockName).string(), errno);
    }
  }

 private:
  Fd fd_;  // closing it releases the lock
};

}  // namespace

FileObjectStore::FileObjectStore(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec))
    throw Error(Code::NotFound, "the remote directory " + dir_.string() + " does not exist")
        .with_hint("create it first (mkdir -p " + dir_.string() + "), or check the remote's URL (dvol remote -v)");
}

std::string FileObjectStore::location() const { return "file://" + dir_.string(); }

fs::path FileObjectStore::path_of(const std::string& key) const {
  // Keys are made by dvol (src/remote/), never taken from users; this is a last line.
  if (key.empty() || key.front() == '/' || key.find("..") != std::string::npos || key.find('\0') != std::string::npos)
    throw Error(Code::Internal, "bad object key", key);
  return dir_ / key;
}

std::optional<StoredObject> FileObjectStore::get(const std::string& key) {
  auto path = path_of(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw sys_error("open", path.string(), errno);
  }
  Fd owned(fd);
  StoredObject out;
  out.data = read_all(fd, path.string());
  out.etag = sha256_hex(out.data);
  return out;
}

std::string FileObjectStore::get_range(const std::string& key, uint64_t offset, uint64_t length) {
  auto path = path_of(key);
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0 && (errno == ENOENT || errno == ENOTDIR))
    throw Error(Code::Corruption, "object " + key + " is missing from " + location());
  if (raw < 0) throw sys_error("open", path.string(), errno);
  Fd fd(raw);
  std::string out(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd.get(), out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("read", path.string(), errno);
    if (n == 0)
      throw Error(Code::Corruption, "object " + key + " of " + location() + " is shorter than its references say",
                  "wanted bytes " + std::to_string(offset) + "+" + std::to_string(length));
    done += static_cast<uint64_t>(n);
  }
  return out;
}

bool FileObjectStore::exists(const std::string& key) {
  std::error_code ec;
  bool there = fs::exists(path_of(key), ec);
  if (ec) throw sys_error("stat", path_of(key).string(), ec.value());
  return there;
}

std::optional<ListedObject> FileObjectStore::stat(const std::string& key) {
  struct stat st{};
  auto path = path_of(key);
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw sys_error("stat", path.string(), errno);
  }
  return ListedObject{key, static_cast<uint64_t>(st.st_size), static_cast<int64_t>(st.st_mtime)};
}

void FileObjectStore::put(const std::string& key, const std::string& data) { write_in_place(path_of(key), data); }

bool FileObjectStore::put_if(const std::string& key, const std::string& data,
                             const std::optional<std::string>& expected) {
  DirectoryLock lock(dir_);
  auto current = get(key);
  if (expected ? (!current || current->etag != *expected) : current.has_value()) return false;
  write_in_place(path_of(key), data);
  return true;
}

std::vector<ListedObject> FileObjectStore::list(const std::string& prefix) {
  std::vector<ListedObject> out;
  // Walk the deepest directory the prefix names entirely.
  auto slash = prefix.rfind('/');
  fs::path start = slash == std::string::npos ? dir_ : path_of(prefix.substr(0, slash));
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return out;
  for (fs::recursive_directory_iterator it(start, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto name = it->path().filename().string();
    if (name.rfind(kTemporaryPrefix, 0) == 0 || name == kLockName) continue;
    auto key = it->path().lexically_relative(dir_).string();
    if (key.rfind(prefix, 0) != 0) continue;
    struct stat st{};
    if (::stat(it->path().c_str(), &st) != 0) continue;  // removed meanwhile
    out.push_back({key, static_cast<uint64_t>(st.st_size), static_cast<int64_t>(st.st_mtime)});
  }
  if (ec) throw sys_error("list", start.string(), ec.value());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

void FileObjectStore::remove(const std::string& key) {
  auto path = path_of(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw sys_error("remove", path.string(), errno);
}

}  // namespace dvol::io
