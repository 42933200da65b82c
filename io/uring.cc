#include "io/uring.h"

#include <fcntl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>

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

UringReader::UringReader(IoUring& ring, size_t chunk) : ring_(ring), chunk_(chunk) {}

namespace {
struct AlignedFree {
  void operator()(std::byte* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<std::byte, AlignedFree>;

struct Slot {
  Buffer buf;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t done = 0;  // bytes already read (short reads continue)
  bool direct = false;  // submitted against the O_DIRECT descriptor
};
}  // namespace

void UringReader::read(ReadHandle& source, const std::string& path, const std::vector<ByteRange>& ranges,
                       const Consumer& consume) {
  // Split the ranges into chunks, then keep up to `depth` of them in flight.
  std::deque<ByteRange> todo;
  for (auto r : ranges) {
    for (uint64_t off = r.offset; off < r.offset + r.length; off += chunk_)
      todo.push_back({off, std::min<uint64_t>(chunk_, r.offset + r.length - off)});
  }
  const unsigned depth = ring_.entries();
  std::vector<Slot> slots(depth);
  for (auto& s : slots) {
    void* p = std::aligned_alloc(4096, chunk_);
    if (!p) throw Error(Code::ResourceExhausted, "out of memory for read buffers");
    s.buf.reset(static_cast<std::byte*>(p));
  }
  std::vector<unsigned> free_slots;
  for (unsigned i = 0; i < depth; ++i) free_slots.push_back(depth - 1 - i);
  unsigned in_flight = 0;
  used_direct_ = source.direct;

  auto submit = [&](unsigned idx) {
    Slot& s = slots[idx];
    io_uring_sqe* sqe = io_uring_get_sqe(ring_.ring());
    io_uring_prep_read(sqe, source.fd.get(), s.buf.get() + s.done, static_cast<unsigned>(s.length - s.done),
                       s.offset + s.done);
    io_uring_sqe_set_data64(sqe, idx);
    s.direct = source.direct;
    ++in_flight;
  };

  while (!todo.empty() || in_flight > 0) {
    while (!todo.empty() && !free_slots.empty()) {
      unsigned idx = free_slots.back();
      free_slots.pop_back();
      slots[idx].offset = todo.front().offset;
      slots[idx].length = todo.front().length;
      slots[idx].done = 0;
      todo.pop_front();
      submit(idx);
    }
    int rc = io_uring_submit_and_wait(ring_.ring(), 1);
    if (rc < 0 && rc != -EINTR) throw sys_error("submit reads of", path, -rc);
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    std::vector<unsigned> resubmit;
    io_uring_for_each_cqe(ring_.ring(), head, cqe) {
      ++seen;
      --in_flight;
      unsigned idx = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
      int res = cqe->res;
      Slot& s = slots[idx];
      if (res == -EINVAL && s.direct) {
        // O_DIRECT refused by this device's driver: reopen buffered and try again. Reads
        // still in flight hold their own reference to the old descriptor's file.
        if (source.direct) {
          source.fd = open_file("/proc/self/fd/" + std::to_string(source.fd.get()), O_RDONLY);
          source.direct = false;
          used_direct_ = false;
        }
        resubmit.push_back(idx);
      } else if (res == -EAGAIN || res == -EINTR) {
        resubmit.push_back(idx);
      } else if (res < 0) {
        io_uring_cq_advance(ring_.ring(), seen);
        throw sys_error("read", path, -res);
      } else if (res == 0) {
        io_uring_cq_advance(ring_.ring(), seen);
        throw Error(Code::Io, "unexpected end of " + path, "offset " + std::to_string(s.offset + s.done));
      } else {
        s.done += static_cast<uint64_t>(res);
        if (s.done < s.length) {
          resubmit.push_back(idx);
        } else {
          consume(s.offset, std::span<const std::byte>(s.buf.get(), s.length));
          free_slots.push_back(idx);
        }
      }
    }
    io_uring_cq_advance(ring_.ring(), seen);
    for (unsigned idx : resubmit) submit(idx);
  }
}

}  // namespace dvol::io
