#pragma once
// io_uring: the ring as an RAII type, a queue that keeps many reads in flight, and a reader
// of byte ranges built on it.
#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/block_device.h"
#include "io/byte_range.h"

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

// A source of reads: a device or file opened by open_for_reading, and its name for errors.
struct ReadSource {
  ReadHandle handle;
  std::string path;
};

// `count` page-aligned buffers of `size` bytes for O_DIRECT, owned; unmapped by the destructor.
class AlignedBuffers {
 public:
  AlignedBuffers(size_t count, size_t size);
  ~AlignedBuffers();
  AlignedBuffers(const AlignedBuffers&) = delete;
  AlignedBuffers& operator=(const AlignedBuffers&) = delete;
  std::byte* operator[](size_t i) { return data_ + i * size_; }
  size_t size() const { return size_; }

 private:
  std::byte* data_ = nullptr;
  size_t size_;
  size_t bytes_;
};

// UringQueue: reads in flight on one ring, each identified by a caller's tag. Short reads are
// continued and EAGAIN retried inside; if the kernel refuses O_DIRECT on a source (EINVAL),
// that source is reopened buffered and the read retried. Errors throw dvol::Error at the
// edge (wait()), with the source's path. The destructor waits for every read still in flight,
// so the caller's buffers (declared before the queue) are never written after they are freed.
// Not thread-safe.
class UringQueue {
 public:
  explicit UringQueue(IoUring& ring);
  ~UringQueue() { drain(); }
  UringQueue(const UringQueue&) = delete;
  UringQueue& operator=(const UringQueue&) = delete;
  bool full() const { return in_flight_ == slots_.size(); }
  unsigned in_flight() const { return in_flight_; }
  // Queues a read of `length` bytes at `offset` of `source` into `buf` (aligned, big enough).
  void submit(ReadSource& source, std::byte* buf, uint64_t offset, uint64_t length, uint64_t tag);
  // Submits what is queued and waits until at least one read has completed entirely; appends
  // the tags of completed reads to `done`.
  void wait(std::vector<uint64_t>& done);
  // Waits for every read in flight, discarding results (for error and cancellation paths).
  void drain() noexcept;

 private:
  struct Slot {
    ReadSource* source = nullptr;
    std::byte* buf = nullptr;
    uint64_t offset = 0, length = 0, done = 0, tag = 0;
    bool direct = false;
    bool busy = false;
  };
  void push(unsigned slot);
  IoUring& ring_;
  std::vector<Slot> slots_;
  std::vector<unsigned> free_;
  unsigned in_flight_ = 0;
};

// Reads byte ranges of one source in chunks of at most `chunk` bytes, as many in flight as the
// ring holds, handing each chunk to `consume` as it completes (completion order).
class UringReader {
 public:
  UringReader(IoUring& ring, size_t chunk = 1 << 20);

  using Consumer = std::function<void(uint64_t offset, std::span<const std::byte> data)>;
  void read(ReadSource& source, const std::vector<ByteRange>& ranges, const Consumer& consume);

 private:
  IoUring& ring_;
  size_t chunk_;
};

// Splits ranges into chunks of at most `chunk` bytes (offsets kept).
std::vector<ByteRange> split_into_chunks(const std::vector<ByteRange>& ranges, uint64_t chunk);

}  // namespace dvol::io
