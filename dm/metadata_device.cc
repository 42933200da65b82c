#include "dm/metadata_device.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "io/block_device.h"
#include "io/error.h"
#include "io/files.h"

namespace dvol::dm {
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
  auto uevent = io::read_small_file("/sys/dev/block/" + mm + "/uevent");
  if (!uevent) return std::nullopt;
  auto pos = uevent->find("DEVNAME=");
  if (pos == std::string::npos) return std::nullopt;
  auto end = uevent->find('\n', pos);
  std::string path = "/dev/" + uevent->substr(pos + 8, end == std::string::npos ? end : end - pos - 8);
  if (!is_node_of(path, dev)) return std::nullopt;
  return path;
}

}  // namespace

void MetadataDevice::FreeAligned::operator()(std::byte* p) const { std::free(p); }

MetadataDevice::MetadataDevice(io::Fd fd, std::string path, uint64_t bytes, bool direct)
    : fd_(std::move(fd)), path_(std::move(path)), nr_blocks_(bytes / kMetadataBlockSize), direct_(direct) {
  void* p = std::aligned_alloc(kMetadataBlockSize, kMetadataBlockSize);
  if (!p) throw Error(Code::ResourceExhausted, "out of memory");
  buf_.reset(static_cast<std::byte*>(p));
}

MetadataDevice MetadataDevice::open(const std::string& path) {
  auto h = io::open_for_reading(path);
  return MetadataDevice(std::move(h.fd), path, h.size, h.direct);
}

MetadataDevice MetadataDevice::open_major_minor(const std::string& major_minor) {
  dev_t dev = parse_major_minor(major_minor);
  if (auto node = dev_node(major_minor, dev)) return open(*node);
  // No /dev node (no devtmpfs, or a renamed node): make a private one, open it, remove it.
  std::string dir_template = (fs::temp_directory_path() / "dvol-meta.XXXXXX").string();
  if (!::mkdtemp(dir_template.data())) throw sys_error("create a directory like", dir_template, errno);
  std::string node = dir_template + "/dev";
  if (::mknod(node.c_str(), S_IFBLK | 0600, dev) != 0) {
    int err = errno;
    ::rmdir(dir_template.c_str());  // ignored: an empty directory in the temp dir is harmless
    throw sys_error("create a device node for " + major_minor + " at", node, err);
  }
  try {
    auto h = io::open_for_reading(node);
    ::unlink(node.c_str());        // ignored: as above; the descriptor stays valid
    ::rmdir(dir_template.c_str());
    return MetadataDevice(std::move(h.fd), major_minor, h.size, h.direct);
  } catch (...) {
    ::unlink(node.c_str());
    ::rmdir(dir_template.c_str());
    throw;
  }
}

void MetadataDevice::read_block(uint64_t block, MetadataBlockSpan out) {
  if (block >= nr_blocks_)
    throw Error(Code::Corruption, "the thin pool's metadata is corrupt (block past the end of its device)",
                path_ + " block " + std::to_string(block));
  auto off = static_cast<off_t>(block * kMetadataBlockSize);
  // Without O_DIRECT, drop any cached copy first so the read goes to the device (see header).
  if (!direct_) ::posix_fadvise(fd_.get(), off, kMetadataBlockSize, POSIX_FADV_DONTNEED);  // ignored: advice only
  size_t done = 0;
  while (done < kMetadataBlockSize) {
    ssize_t n = ::pread(fd_.get(), buf_.get() + done, kMetadataBlockSize - done, off + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("read metadata from", path_, errno);
    if (n == 0) throw Error(Code::Io, "the thin pool's metadata device ended early", path_);
    done += static_cast<size_t>(n);
  }
  std::memcpy(out.data(), buf_.get(), kMetadataBlockSize);
}

}  // namespace dvol::dm
