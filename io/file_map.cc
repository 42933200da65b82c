#include "io/file_map.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "io/error.h"
#include "io/files.h"

namespace dvol::io {

namespace fs = std::filesystem;

std::vector<ByteRange> file_extents(int fd, const std::string& path) {
  constexpr unsigned kBatch = 256;
  std::vector<ByteRange> out;
  std::vector<char> buf(sizeof(fiemap) + kBatch * sizeof(fiemap_extent));
  auto* map = reinterpret_cast<fiemap*>(buf.data());
  uint64_t start = 0;
  for (;;) {
    std::memset(buf.data(), 0, buf.size());
    map->fm_start = start;
    map->fm_length = FIEMAP_MAX_OFFSET - start;
    map->fm_extent_count = kBatch;
    if (::ioctl(fd, FS_IOC_FIEMAP, map) != 0) throw sys_error("map the blocks of", path, errno);
    if (map->fm_mapped_extents == 0) break;
    bool last = false;
    for (unsigned i = 0; i < map->fm_mapped_extents; ++i) {
      const fiemap_extent& e = map->fm_extents[i];
      if (!(e.fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_NOT_ALIGNED)))
        out.push_back({e.fe_physical, e.fe_length});
      if (e.fe_flags & FIEMAP_EXTENT_LAST) last = true;
      start = e.fe_logical + e.fe_length;
    }
    if (last) break;
  }
  std::sort(out.begin(), out.end(), [](const ByteRange& x, const ByteRange& y) { return x.offset < y.offset; });
  return out;
}

static void scan(const fs::path& root, const std::string& rel, dev_t device, std::map<std::string, FileInfo>& out) {
  fs::path dir = rel.empty() ? root : root / rel;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (rel.empty() && name == "lost+found") continue;
    std::string path = rel.empty() ? name : rel + "/" + name;
    struct stat st{};
    if (::lstat(entry.path().c_str(), &st) != 0) throw sys_error("stat", entry.path().string(), errno);
    FileInfo info;
    info.mode = st.st_mode;
    info.uid = st.st_uid;
    info.gid = st.st_gid;
    info.size = S_ISDIR(st.st_mode) ? 0 : static_cast<uint64_t>(st.st_size);
    info.mtime_ns = S_ISDIR(st.st_mode) ? 0 : int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    if (S_ISLNK(st.st_mode)) {
      std::error_code lec;
      info.link_target = fs::read_symlink(entry.path(), lec).string();
    } else if (S_ISREG(st.st_mode)) {
      Fd fd = open_file(entry.path(), O_RDONLY | O_NOFOLLOW | O_NOATIME);
      info.extents = file_extents(fd.get(), entry.path().string());
    }
    out[path] = std::move(info);
    if (S_ISDIR(st.st_mode) && st.st_dev == device) scan(root, path, device, out);
  }
  if (ec) throw sys_error("list", dir.string(), ec.value());
}

std::map<std::string, FileInfo> scan_tree(const fs::path& root) {
  struct stat st{};
  if (::stat(root.c_str(), &st) != 0) throw sys_error("stat", root.string(), errno);
  std::map<std::string, FileInfo> out;
  scan(root, "", st.st_dev, out);
  return out;
}

bool same_contents(const fs::path& a, const fs::path& b) {
  Fd fa = open_file(a, O_RDONLY | O_NOATIME), fb = open_file(b, O_RDONLY | O_NOATIME);
  std::unique_ptr<char[]> x(new char[1 << 20]), y(new char[1 << 20]);
  for (;;) {
    ssize_t na = ::read(fa.get(), x.get(), 1 << 20);
    if (na < 0 && errno == EINTR) continue;
    if (na < 0) throw sys_error("read", a.string(), errno);
    size_t got = 0;
    while (got < static_cast<size_t>(na)) {
      ssize_t nb = ::read(fb.get(), y.get() + got, static_cast<size_t>(na) - got);
      if (nb < 0 && errno == EINTR) continue;
      if (nb < 0) throw sys_error("read", b.string(), errno);
      if (nb == 0) return false;  // b is shorter
      got += static_cast<size_t>(nb);
    }
    if (std::memcmp(x.get(), y.get(), got) != 0) return false;
    if (na == 0) {
      char c;
      return ::read(fb.get(), &c, 1) == 0;  // b must end too
    }
  }
}

}  // namespace dvol::io
