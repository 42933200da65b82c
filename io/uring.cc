#include "io/uring.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>

// Valgrind's memcheck does not see the kernel fill buffers through io_uring; it is told so on
// each completion (a no-op when not running under Valgrind; see tests/memcheck).
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#endif

#include "io/error.h"
#include "io/files.h"

namespace dvol::io {

IoUring IoUring::create(unsigned entries) {
  IoUring r;
  int rc = io_uring_queue_init(entries, &r.ring_, 0);
  if (rc < 0) {
    throw Error(Code::Unsupported, "io_uring is not available on this kernel", std::strerror(-rc))
        .with_hint("dvol needs Linux 5.6 or later with io_uring enabled (sysctl kernel.io_uring_disabled=0)");
  }
  r.entries_ = entries;
  r.live_ = true;
  return r;
}

IoUring::IoUring(IoUring&& o) noexcept : ring_(o.ring_), entries_(o.entries_), live_(o.live_) { o.live_ = false; }

IoUring::~IoUring() {
  if (live_) io_uring_queue_exit(&ring_);
}

AlignedBuffers::AlignedBuffers(size_t count, size_t size) : size_(size), bytes_(count * size) {
  // Mapped in one call (MAP_POPULATE), not page by page as reads first land in them: under the
  // user-mode test kernel each such fault costs ~0.06 ms, more than reading the page.
  void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw Error(Code::ResourceExhausted, "out of memory for read buffers");
  data_ = static_cast<std::byte*>(p);
}

AlignedBuffers::~AlignedBuffers() { ::munmap(data_, bytes_); }

std::vector<ByteRange> split_into_chunks(const std::vector<ByteRange>& ranges, uint64_t chunk) {
  std::vector<ByteRange> out;
  for (auto r : ranges)
    for (uint64_t off = r.offset; off < r.offset + r.length; off += chunk)
      out.push_back({off, std::min<uint64_t>(chunk, r.offset + r.length - off)});
  return out;
}

UringQueue::UringQueue(IoUring& ring) : ring_(ring), slots_(ring.entries()) {
  for (unsigned i = 0; i < slots_.size(); ++i) free_.push_back(static_cast<unsigned>(slots_.size()) - 1 - i);
}

void UringQueue::push(unsigned idx) {
  Slot& s = slots_[idx];
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.ring());
  if (!sqe) {  // the submission queue is full of unsubmitted entries: flush it
    io_uring_submit(ring_.ring());
    sqe = io_uring_get_sqe(ring_.ring());
  }
  io_uring_prep_read(sqe, s.source->handle.fd.get(), s.buf + s.done, static_cast<unsigned>(s.length - s.done),
                     s.offset + s.done);
  io_uring_sqe_set_data64(sqe, idx);
  s.direct = s.source->handle.direct;
}

void UringQueue::submit(ReadSource& source, std::byte* buf, uint64_t offset, uint64_t length, uint64_t tag) {
  if (free_.empty()) throw Error(Code::Internal, "io_uring queue overfilled");
  unsigned idx = free_.back();
  free_.pop_back();
  slots_[idx] = Slot{&source, buf, offset, length, 0, tag, false, true};
  ++in_flight_;
  push(idx);
}

void UringQueue::wait(std::vector<uint64_t>& done) {
  size_t before = done.size();
  while (done.size() == before && in_flight_ > 0) {
    int rc = io_uring_submit_and_wait(ring_.ring(), 1);
    if (rc < 0 && rc != -EINTR) throw sys_error("submit reads", "", -rc);
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    std::vector<unsigned> again;
    std::string failure_path;
    int failure = 0;
    io_uring_for_each_cqe(ring_.ring(), head, cqe) {
      ++seen;
      unsigned idx = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
      Slot& s = slots_[idx];
      int res = cqe->res;
      if (res == -EINVAL && s.direct) {
        // O_DIRECT refused by this device's driver: reopen buffered and try again. Reads
        // still in flight hold their own reference to the old descriptor's file.
        if (s.source->handle.direct) {
          s.source->handle.fd = open_file("/proc/self/fd/" + std::to_string(s.source->handle.fd.get()), O_RDONLY);
          s.source->handle.direct = false;
        }
        again.push_back(idx);
      } else if (res == -EAGAIN || res == -EINTR) {
        again.push_back(idx);
      } else if (res <= 0) {
        if (!failure) {
          failure = res < 0 ? -res : EIO;
          failure_path = s.source->path;
        }
        s.busy = false;
        free_.push_back(idx);
        --in_flight_;
      } else {
        VALGRIND_MAKE_MEM_DEFINED(s.buf + s.done, res);
        s.done += static_cast<uint64_t>(res);
        if (s.done < s.length) {
          again.push_back(idx);
        } else {
          s.busy = false;
          free_.push_back(idx);
          --in_flight_;
          done.push_back(s.tag);
        }
      }
    }
    io_uring_cq_advance(ring_.ring(), seen);
    for (unsigned idx : again) push(idx);
    if (failure) {
      drain();  // what is still in flight must land before the caller's buffers go
      throw sys_error("read", failure_path, failure);
    }
  }
}

void UringQueue::drain() noexcept {
  while (in_flight_ > 0) {
    io_uring_submit(ring_.ring());
    io_uring_cqe* c;
    if (io_uring_wait_cqe(ring_.ring(), &c) != 0) break;
    unsigned idx = static_cast<unsigned>(io_uring_cqe_get_data64(c));
    io_uring_cqe_seen(ring_.ring(), c);
    if (idx < slots_.size() && slots_[idx].busy) {
      slots_[idx].busy = false;
      free_.push_back(idx);
      --in_flight_;
    }
  }
}

UringReader::UringReader(IoUring& ring, size_t chunk) : ring_(ring), chunk_(chunk) {}

void UringReader::read(ReadSource& source, const std::vector<ByteRange>& ranges, const Consumer& consume) {
  auto todo = split_into_chunks(ranges, chunk_);
  AlignedBuffers buffers(ring_.entries(), chunk_);  // before the queue: it outlives the reads
  UringQueue queue(ring_);
  std::vector<unsigned> free_buffers;
  for (unsigned i = 0; i < ring_.entries(); ++i) free_buffers.push_back(i);
  size_t next = 0;
  std::vector<uint64_t> done;
  while (next < todo.size() || queue.in_flight() > 0) {
    while (next < todo.size() && !free_buffers.empty()) {
      unsigned b = free_buffers.back();
      free_buffers.pop_back();
      // The tag packs the buffer and the chunk index.
      queue.submit(source, buffers[b], todo[next].offset, todo[next].length, (uint64_t{b} << 40) | next);
      ++next;
    }
    done.clear();
    queue.wait(done);
    for (uint64_t tag : done) {
      unsigned b = static_cast<unsigned>(tag >> 40);
      const ByteRange& r = todo[tag & ((uint64_t{1} << 40) - 1)];
      consume(r.offset, std::span<const std::byte>(buffers[b], r.length));
      free_buffers.push_back(b);
    }
  }
}

}  // namespace dvol::io
