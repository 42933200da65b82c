#include "dm/metadata_device.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "io/block_device.h"
#include "io/error.h"

namespace dvol::dm {

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
  std::string path;
  auto h = io::open_device_for_reading(major_minor, &path);
  return MetadataDevice(std::move(h.fd), path, h.size, h.direct);
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
