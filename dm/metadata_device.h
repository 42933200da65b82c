#pragma once
// MetadataDevice: the MetadataSource that reads a thin pool's metadata device, the device the
// kernel writes the pool's btrees to.
#include <cstdint>
#include <memory>
#include <string>

#include "dm/thin_metadata.h"
#include "io/fd.h"

namespace dvol::dm {

// Reads 4 KiB metadata blocks with pread and O_DIRECT. O_DIRECT matters: the kernel writes the
// metadata through dm-bufio, which bypasses the block device's page cache, so a buffered read
// can return a stale block cached by an earlier read. Where O_DIRECT is refused, each read
// first drops the cached page instead. Owns an open descriptor (closed by the destructor, which
// does nothing else to the kernel). Move-only; not thread-safe (one shared aligned buffer).
class MetadataDevice final : public MetadataSource {
 public:
  // Opens a block device (or an image file) read-only. Throws NotFound, PermissionDenied, Io.
  [[nodiscard]] static MetadataDevice open(const std::string& path);
  // Opens the device "major:minor" (as ThinPoolTable::metadata_dev names it): its /dev node
  // from sysfs, or, where /dev lacks it, a node made in a private temporary directory and
  // removed again at once (the open descriptor keeps working).
  [[nodiscard]] static MetadataDevice open_major_minor(const std::string& major_minor);

  void read_block(uint64_t block, MetadataBlockSpan out) override;
  uint64_t nr_blocks() const override { return nr_blocks_; }
  bool direct() const { return direct_; }
  const std::string& path() const { return path_; }

 private:
  struct FreeAligned {
    void operator()(std::byte* p) const;
  };
  MetadataDevice(io::Fd fd, std::string path, uint64_t bytes, bool direct);

  // fixed after construction
  io::Fd fd_;
  std::string path_;
  uint64_t nr_blocks_;
  bool direct_;
  // mutable: the O_DIRECT bounce buffer, 4 KiB aligned
  std::unique_ptr<std::byte, FreeAligned> buf_;
};

}  // namespace dvol::dm
