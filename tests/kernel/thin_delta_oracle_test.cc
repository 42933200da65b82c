// Kernel test of dvol's own metadata reader and thin delta (dm/thin_metadata, dm/thin_delta)
// against the reference, `thin_delta -m` from thin-provisioning-tools, on metadata the real
// kernel wrote: randomised histories of writes, snapshots, snapshots of snapshots, identical
// overwrites, discards and deleted snapshots, read from a held metadata snapshot of a live pool.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <regex>

#include "dm/metadata_device.h"
#include "dm/suspended_device.h"
#include "dm/thin_delta.h"
#include "dm/thin_pool.h"
#include "io/error.h"
#include "io/files.h"
#include "io/loop_device.h"
#include "io/run.h"
#include "tests/kernel/scratch.h"

namespace dvol::dm {

void PrintTo(const DeltaRange& r, std::ostream* os) {
  const char* kinds[] = {"different", "left_only", "right_only"};
  *os << kinds[static_cast<int>(r.kind)] << " " << r.begin << "+" << r.length;
}

namespace {

constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB, kBlock = 64 * kKiB;

// A pool on two sparse files with 64 KiB blocks, as in dm_io_test.cc.
struct PoolOnLoops {
  test::Scratch& s;
  ThinPool pool;
  ThinPoolTable table;

  PoolOnLoops(test::Scratch& scratch, uint64_t data_bytes, bool skip_zeroing = false)
      : s(scratch), pool(scratch.control(), scratch.dm_name("pool"), "DVOLTEST-" + scratch.tag() + "-pool") {
    io::create_sparse_file(s.dir() / "data.img", data_bytes);
    io::create_sparse_file(s.dir() / "meta.img", 64 * kMiB);
    auto meta = io::AttachedLoop::attach(s.dir() / "meta.img");
    auto data = io::AttachedLoop::attach(s.dir() / "data.img");
    table.length = Sectors::from_bytes(data_bytes);
    table.metadata_dev = meta.major_minor();
    table.data_dev = data.major_minor();
    table.block_size = Sectors{kBlock / kSectorSize};
    table.skip_block_zeroing = skip_zeroing;
    table.error_if_no_space = true;
    pool.activate(table);
  }

  std::string thin(ThinId id, uint64_t bytes) {
    auto suffix = "t" + std::to_string(id.value());
    pool.activate_thin(s.dm_name(suffix), "DVOLTEST-" + s.tag() + "-" + suffix, id, Sectors::from_bytes(bytes));
    return s.control().device_path(s.dm_name(suffix));
  }

  // create_snap with the origin suspended when it is active (its mappings must be stable).
  void snap(ThinId id, ThinId origin, bool origin_active) {
    if (!origin_active) return pool.send(CreateSnap{id, origin});
    auto suspended = SuspendedDevice::suspend(s.control(), s.dm_name("t" + std::to_string(origin.value())));
    pool.send(CreateSnap{id, origin});
    suspended.resume();
  }
};

// Random I/O on a thin device with O_DIRECT, so every write reaches the pool before we look.
class Workload {
 public:
  explicit Workload(unsigned seed) : gen_(seed), buf_(static_cast<char*>(std::aligned_alloc(4096, kMiB))) {}
  ~Workload() { std::free(buf_); }

  void writes(const std::string& dev, uint64_t dev_bytes, int count, uint64_t max_len = kMiB) {
    auto fd = io::open_file(dev, O_RDWR | O_DIRECT);
    for (int i = 0; i < count; ++i) {
      auto [off, len] = extent(dev_bytes, max_len);
      for (uint64_t j = 0; j < len; j += 8) {
        uint64_t v = gen_();
        std::memcpy(buf_ + j, &v, 8);
      }
      ASSERT_EQ(::pwrite(fd.get(), buf_, len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
    }
  }
  // Reads extents and writes the same bytes back: the pool still breaks sharing.
  void identical_overwrites(const std::string& dev, uint64_t dev_bytes, int count) {
    auto fd = io::open_file(dev, O_RDWR | O_DIRECT);
    for (int i = 0; i < count; ++i) {
      auto [off, len] = extent(dev_bytes, kMiB);
      ASSERT_EQ(::pread(fd.get(), buf_, len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
      ASSERT_EQ(::pwrite(fd.get(), buf_, len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
    }
  }
  // BLKDISCARD of random extents; whole pool blocks inside them get unmapped.
  void discards(const std::string& dev, uint64_t dev_bytes, int count) {
    auto fd = io::open_file(dev, O_RDWR);
    for (int i = 0; i < count; ++i) {
      auto [off, len] = extent(dev_bytes, 2 * kMiB);
      uint64_t range[2] = {off, len};
      ASSERT_EQ(::ioctl(fd.get(), BLKDISCARD, range), 0) << std::strerror(errno);
    }
  }

 private:
  std::pair<uint64_t, uint64_t> extent(uint64_t dev_bytes, uint64_t max_len) {
    uint64_t len = 4096 * (1 + gen_() % (max_len / 4096));
    uint64_t off = 4096 * (gen_() % ((dev_bytes - len) / 4096 + 1));
    return {off, len};
  }
  std::mt19937_64 gen_;
  char* buf_;
};

// thin_delta's verdict: its non-"same" ranges, merged like ours.
std::vector<DeltaRange> reference_delta(const std::string& metadata_dev, ThinId a, ThinId b) {
  auto r = io::run_checked({"thin_delta", "-m", "--thin1", std::to_string(a.value()), "--thin2",
                            std::to_string(b.value()), metadata_dev},
                           "apt-get install thin-provisioning-tools");
  static const std::regex line(R"re(<(same|different|left_only|right_only) begin="(\d+)" length="(\d+)"/>)re");
  std::vector<DeltaRange> out;
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), line), end; it != end; ++it) {
    std::string kind = (*it)[1];
    if (kind == "same") continue;
    DeltaRange d{std::stoull((*it)[2]), std::stoull((*it)[3]),
                 kind == "different" ? DeltaKind::Different
                                     : kind == "left_only" ? DeltaKind::LeftOnly : DeltaKind::RightOnly};
    if (!out.empty() && out.back().kind == d.kind && out.back().begin + out.back().length == d.begin)
      out.back().length += d.length;
    else
      out.push_back(d);
  }
  return out;
}

uint64_t blocks_in(const std::vector<BlockRange>& rs) {
  uint64_t n = 0;
  for (auto& r : rs) n += r.length;
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(ThinDeltaOracle, OurDeltaEqualsThinDeltaOnRandomisedHistories) {
  // Given a pool with a history of writes, snapshots (of snapshots), identical overwrites,
  // discards and a deleted snapshot, when a metadata snapshot is held, then for every pair of
  // devices our delta's non-same ranges equal thin_delta -m's, each device's mapped ranges add
  // up to what the kernel reports mapped, and once released the pool holds no root. Twice,
  // with more history between, through one open metadata device (reads must not be stale).
  test::Scratch s;
  PoolOnLoops p(s, 1024 * kMiB);
  const uint64_t size = 256 * kMiB;
  Workload w(20240601);
  p.pool.send(CreateThin{ThinId(0)});
  auto t0 = p.thin(ThinId(0), size);
  w.writes(t0, size, 60);
  p.snap(ThinId(1), ThinId(0), true);
  w.writes(t0, size, 30);
  w.identical_overwrites(t0, size, 5);
  w.discards(t0, size, 5);
  auto t1 = p.thin(ThinId(1), size);
  w.writes(t1, size, 20);
  p.snap(ThinId(2), ThinId(1), true);
  w.writes(t1, size, 10);
  w.discards(t1, size, 3);
  p.snap(ThinId(3), ThinId(0), true);  // made and deleted: its freed nodes get reused
  p.pool.send(DeleteThin{ThinId(3)});
  p.snap(ThinId(4), ThinId(2), false);
  auto t4 = p.thin(ThinId(4), size);
  w.writes(t4, size, 10);
  p.pool.send(CreateThin{ThinId(5)});
  p.snap(ThinId(6), ThinId(0), true);
  w.writes(t0, size, 1, 4096);  // one block apart from snapshot 6

  auto meta = MetadataDevice::open_major_minor(p.table.metadata_dev);
  EXPECT_TRUE(meta.direct());
  std::vector<std::pair<uint32_t, uint32_t>> pairs{{0, 1}, {1, 0}, {0, 2}, {1, 2}, {2, 4}, {0, 4}, {4, 1},
                                                   {0, 5}, {5, 0}, {0, 6}, {6, 0}, {0, 0}, {5, 5}};
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    if (round == 1) {
      w.writes(t0, size, 20);
      w.discards(t1, size, 4);
      w.writes(t4, size, 5);
    }
    {
      auto held = HeldMetadataSnapshot::reserve(p.pool);
      ThinMetadata md(meta, held.root());
      EXPECT_EQ(md.data_block_size(), p.table.block_size);
      EXPECT_EQ(md.thin_ids(), (std::vector<ThinId>{ThinId(0), ThinId(1), ThinId(2), ThinId(4), ThinId(5), ThinId(6)}));
      for (auto [a, b] : pairs) {
        SCOPED_TRACE("thin " + std::to_string(a) + " vs " + std::to_string(b));
        DeltaStats st;
        auto ours = thin_delta(md, ThinId(a), ThinId(b), &st);
        EXPECT_EQ(ours, reference_delta(meta.path(), ThinId(a), ThinId(b)));
        uint64_t blocks[3] = {};
        for (auto& r : ours) blocks[static_cast<int>(r.kind)] += r.length;
        std::printf("round %d, thin %u vs %u: %zu ranges; blocks different %lu, left only %lu, right only %lu\n", round,
                    a, b, ours.size(), blocks[0], blocks[1], blocks[2]);
        if (round == 0 && a == 0 && b == 6) {
          EXPECT_EQ(ours.size(), 1u);
          std::printf("one-block change: %lu nodes read, %lu subtrees skipped\n", st.nodes_read, st.subtrees_skipped);
          EXPECT_LE(st.nodes_read, 8u);
        }
      }
      for (auto [id, name] : {std::pair{0u, "t0"}, {1u, "t1"}, {4u, "t4"}}) {
        auto mapped = blocks_in(mapped_ranges(md, ThinId(id)));
        EXPECT_EQ(mapped * p.table.block_size.value, p.pool.thin_status(s.dm_name(name)).mapped.value) << name;
        EXPECT_EQ(md.device_details(ThinId(id))->mapped_blocks, mapped) << name;
      }
      held.release();
    }
    EXPECT_FALSE(p.pool.status().held_metadata_root.has_value());
  }
}

TEST(ThinDeltaOracle, TimingOnAGibibyteDevice) {
  // Given a 1 GiB thin device with every block mapped, a snapshot of it with 100 blocks
  // changed since, another with 1 block changed since, and an empty device, when both tools
  // compute the deltas, then they agree, and the 1-block delta reads only the changed paths.
  // The times are printed, not asserted. (skip_block_zeroing: one 4 KiB write maps a whole
  // 64 KiB block, so mapping 1 GiB writes only 64 MiB.)
  test::Scratch s;
  PoolOnLoops p(s, 2048 * kMiB, true);
  const uint64_t size = 1024 * kMiB;
  p.pool.send(CreateThin{ThinId(0)});
  auto t0 = p.thin(ThinId(0), size);
  {
    auto fd = io::open_file(t0, O_RDWR | O_DIRECT);
    auto* buf = static_cast<char*>(std::aligned_alloc(4096, 4096));
    std::memset(buf, 0x5a, 4096);
    for (uint64_t off = 0; off < size; off += kBlock)
      ASSERT_EQ(::pwrite(fd.get(), buf, 4096, static_cast<off_t>(off)), 4096);
    std::free(buf);
  }
  p.snap(ThinId(1), ThinId(0), true);
  p.pool.send(CreateThin{ThinId(2)});
  Workload w(7);
  w.writes(t0, size, 100, 4096);
  p.snap(ThinId(3), ThinId(0), true);
  w.writes(t0, size, 1, 4096);

  auto meta = MetadataDevice::open_major_minor(p.table.metadata_dev);
  auto held = HeldMetadataSnapshot::reserve(p.pool);
  const char* what[] = {"", "snapshot, 100 blocks changed", "empty device, all 16384 blocks left only",
                        "snapshot, 1 block changed"};
  for (auto [a, b] : {std::pair{0u, 1u}, {0u, 2u}, {0u, 3u}}) {
    auto t = std::chrono::steady_clock::now();
    ThinMetadata md(meta, held.root());
    DeltaStats st;
    auto ours = thin_delta(md, ThinId(a), ThinId(b), &st);
    double ours_s = seconds_since(t);
    t = std::chrono::steady_clock::now();
    auto theirs = reference_delta(meta.path(), ThinId(a), ThinId(b));
    double theirs_s = seconds_since(t);
    EXPECT_EQ(ours, theirs);
    std::printf("thin %u vs %u (%s): ours %.4f s (%lu nodes read, %lu subtrees skipped), thin_delta %.4f s\n", a, b,
                what[b], ours_s, st.nodes_read, st.subtrees_skipped, theirs_s);
    // One changed block in a 16384-block device: the two changed root-to-leaf paths, no more.
    if (b == 3) {
      EXPECT_LE(st.nodes_read, 8u);
    }
  }
  // Most of thin_delta's time in the test kernel is starting a process; show that share.
  auto t = std::chrono::steady_clock::now();
  (void)io::run({"thin_delta", "-V"});
  std::printf("thin_delta -V alone (process start): %.4f s\n", seconds_since(t));
  held.release();
  EXPECT_FALSE(p.pool.status().held_metadata_root.has_value());
}

}  // namespace
}  // namespace dvol::dm
