#pragma once
// io_uring: the ring as an RAII type, and a reader that keeps many reads in flight.
#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "io/block_device.h"

namespace dvol::io {

// IoUring owns one ring; the destructor tears it down. Not thread-safe.
class IoUring {
 public:
  // Throws Unsupported if the kernel has no io_uring (or it is disabled).
  [[nodiscard]] static IoUring create(unsigned entries);
  IoUring(IoUring&& o) noexcept;
  IoUring& operator=(IoUring&&) = delete;
  IoUring(const IoUring&) = delete;
  ~IoUring();

  io_uring* ring() { return &ring_; }
  unsigned entries() const { return entries_; }

 private:
  IoUring() = default;
  io_uring ring_{};
  unsigned entries_ = 0;
  bool live_ = false;
};

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Reads byte ranges of one device or file through io_uring, `depth` reads of at most
// `chunk` bytes in flight, into 4 KiB-aligned buffers (O_DIRECT needs them). Each chunk is
// handed to `consume` as it completes (completion order, not offset order). If the kernel
// refuses O_DIRECT on the first read (EINVAL), the source is reopened buffered and the read
// retried: that fallback is reported by `used_direct()`.
class UringReader {
 public:
  UringReader(IoUring& ring, size_t chunk = 1 << 20);

  using Consumer = std::function<void(uint64_t offset, std::span<const std::byte> data)>;
  void read(ReadHandle& source, const std::string& path, const std::vector<ByteRange>& ranges,
            const Consumer& consume);
  bool used_direct() const { return used_direct_; }

 private:
  IoUring& ring_;
  size_t chunk_;
  bool used_direct_ = false;
};

}  // namespace dvol::io
