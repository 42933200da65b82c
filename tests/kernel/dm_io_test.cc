// Kernel tests of the dm and io layers on the real kernel (user-mode Linux): loop devices,
// a thin pool, thin devices, snapshots, ext4 and io_uring, through dvol's own code.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>

#include "dm/suspended_device.h"
#include "dm/thin_pool.h"
#include "io/block_device.h"
#include "io/error.h"
#include "io/file_space.h"
#include "io/files.h"
#include "io/filesystem.h"
#include "io/loop_device.h"
#include "io/mount.h"
#include "io/uring.h"
#include "tests/kernel/scratch.h"

namespace dvol {
namespace {

namespace fs = std::filesystem;
using dm::Sectors;
using dm::ThinId;

constexpr uint64_t kMiB = 1 << 20;

// A pool on two sparse files, the way dvol builds volumes.
struct PoolOnLoops {
  test::Scratch& s;
  dm::ThinPool pool;
  dm::ThinPoolTable table;

  explicit PoolOnLoops(test::Scratch& scratch, uint64_t data_bytes = 512 * kMiB)
      : s(scratch), pool(scratch.control(), scratch.dm_name("pool"), "DVOLTEST-" + scratch.tag() + "-pool") {
    io::create_sparse_file(s.dir() / "data.img", data_bytes);
    io::create_sparse_file(s.dir() / "meta.img", 16 * kMiB);
    auto meta = io::AttachedLoop::attach(s.dir() / "meta.img");
    auto data = io::AttachedLoop::attach(s.dir() / "data.img");
    table.length = Sectors::from_bytes(data_bytes);
    table.metadata_dev = meta.major_minor();
    table.data_dev = data.major_minor();
    table.block_size = Sectors{128};
    table.low_water_mark = 0;
    table.error_if_no_space = true;
    pool.activate(table);
    // The loop guards close here: the pool holds the devices, autoclear detaches them later.
  }

  std::string thin(ThinId id, const std::string& suffix, uint64_t bytes = 256 * kMiB) {
    auto name = s.dm_name(suffix);
    pool.activate_thin(name, "DVOLTEST-" + s.tag() + "-" + suffix, id, Sectors::from_bytes(bytes));
    return s.control().device_path(name);
  }
};

TEST(LoopDevice, AttachesASparseFileAndDetachesWhenClosed) {
  // Given a sparse file, when it is attached, then a loop device of the same size serves it;
  // when the guard goes, autoclear detaches it.
  test::Scratch s;
  io::create_sparse_file(s.dir() / "f.img", 64 * kMiB);
  std::string dev;
  {
    auto loop = io::AttachedLoop::attach(s.dir() / "f.img");
    dev = loop.device();
    auto h = io::open_for_reading(dev, false);
    EXPECT_EQ(h.size, 64 * kMiB);
    EXPECT_EQ(io::find_loop_device(s.dir() / "f.img"), dev);
  }
  EXPECT_EQ(io::find_loop_device(s.dir() / "f.img"), std::nullopt);
}

TEST(LoopDevice, TheOlderKernelsSetupAlsoAutoclearsAndCarriesAPool) {
  // Given the attach kernels before 5.8 need (LOOP_SET_FD, then LOOP_SET_STATUS64 with
  // autoclear), forced on this kernel that has both: the device serves the file, a pool can be
  // made on two such devices and used, and each device goes once nothing holds it.
  test::Scratch s;
  io::create_sparse_file(s.dir() / "f.img", 64 * kMiB);
  {
    auto loop = io::AttachedLoop::attach(s.dir() / "f.img", io::AttachedLoop::Setup::SetFdAndStatus);
    EXPECT_EQ(io::open_for_reading(loop.device(), false).size, 64 * kMiB);
    EXPECT_EQ(io::find_loop_device(s.dir() / "f.img"), loop.device());
  }
  EXPECT_EQ(io::find_loop_device(s.dir() / "f.img"), std::nullopt) << "autoclear detached it";

  io::create_sparse_file(s.dir() / "data.img", 512 * kMiB);
  io::create_sparse_file(s.dir() / "meta.img", 16 * kMiB);
  dm::ThinPool pool(s.control(), s.dm_name("pool"), "DVOLTEST-" + s.tag() + "-pool");
  dm::ThinPoolTable table;
  {
    auto meta = io::AttachedLoop::attach(s.dir() / "meta.img", io::AttachedLoop::Setup::SetFdAndStatus);
    auto data = io::AttachedLoop::attach(s.dir() / "data.img", io::AttachedLoop::Setup::SetFdAndStatus);
    table.length = Sectors::from_bytes(512 * kMiB);
    table.metadata_dev = meta.major_minor();
    table.data_dev = data.major_minor();
    table.block_size = Sectors{128};
    pool.activate(table);
  }
  pool.send(dm::CreateThin{ThinId(0)});
  EXPECT_EQ(pool.status().transaction_id, 0u);
  EXPECT_TRUE(io::find_loop_device(s.dir() / "data.img")) << "the pool holds it";
  pool.deactivate();
  EXPECT_EQ(io::find_loop_device(s.dir() / "data.img"), std::nullopt) << "gone with the pool";
  EXPECT_EQ(io::find_loop_device(s.dir() / "meta.img"), std::nullopt);
}

TEST(ThinPool, TableReadBackEqualsTableLoaded) {
  // Given a pool made by dvol, when its table is read back from the kernel, then it parses
  // into exactly the table loaded, and activating again with it is a no-op.
  test::Scratch s;
  PoolOnLoops p(s);
  auto live = s.control().table(p.pool.name());
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(dm::ThinPoolTable::parse(live[0]), p.table);
  p.pool.activate(p.table);
  auto st = p.pool.status();
  EXPECT_FALSE(st.failed);
  EXPECT_EQ(st.transaction_id, 0u);
  EXPECT_EQ(st.total_data_blocks.value, 512 * kMiB / (64 * 1024));
  EXPECT_EQ(st.used_data_blocks.value, 0u);
  EXPECT_FALSE(st.held_metadata_root.has_value());
}

TEST(ThinPool, GrowsWithItsDataFileWhileAThinDeviceIsMounted) {
  // Given a 128 MiB pool on a sparse file with a mounted ext4 thin device holding a file, when
  // the file is grown to 256 MiB, the loop device's capacity refreshed and the table reloaded
  // with the new length, then the loop device and the pool report 256 MiB, the pool stays
  // read-write, the mount keeps working and the file reads back unchanged.
  test::Scratch s;
  PoolOnLoops p(s, 128 * kMiB);
  p.pool.send(dm::CreateThin{ThinId(1)});
  auto dev = p.thin(ThinId(1), "grow", 64 * kMiB);
  io::make_filesystem(io::FsType::Ext4, dev);
  auto at = s.dir() / "mnt";
  std::filesystem::create_directories(at);
  auto mount = io::Mount::mount(dev, at, io::branch_mount_options(io::FsType::Ext4));
  std::string data(4 * kMiB, 'x');
  {
    std::ofstream(at / "f", std::ios::binary) << data;
  }
  ::sync();

  io::grow_file(s.dir() / "data.img", 256 * kMiB);
  EXPECT_EQ(io::refresh_loop_capacity(p.table.data_dev), 256 * kMiB);
  auto longer = p.pool.table();
  longer.length = Sectors::from_bytes(256 * kMiB);
  p.pool.reload(longer);
  EXPECT_EQ(p.pool.table(), longer);
  auto st = p.pool.status();
  EXPECT_EQ(st.total_data_blocks.value, 256 * kMiB / (64 * 1024));
  EXPECT_EQ(st.mode, dm::PoolMode::ReadWrite);
  EXPECT_FALSE(s.control().info(p.pool.name())->suspended);
  {
    std::ifstream in(at / "f", std::ios::binary);
    std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(back, data);
  }
  EXPECT_FALSE(io::mount_stopped_writing(at));
  mount.unmount();
}

TEST(ThinPool, ActivateRefusesADeviceWithAnotherTable) {
  // Given a pool, when activation is asked with a different block size, then it refuses.
  test::Scratch s;
  PoolOnLoops p(s);
  auto other = p.table;
  other.block_size = Sectors{256};
  try {
    p.pool.activate(other);
    FAIL() << "activate accepted a different table";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::FailedPrecondition);
  }
}

TEST(ThinPool, SnapshotOfMountedExt4KeepsTheDataAsItWas) {
  // Given ext4 on a thin device with a file, when it is suspended, snapshotted and resumed,
  // and the file then overwritten, then the snapshot mounted read-only shows the old bytes
  // and afterwards nothing (dm device, loop, mount) is left.
  test::Scratch s;
  {
    PoolOnLoops p(s);
    p.pool.send(dm::CreateThin{ThinId(0)});
    auto dev = p.thin(ThinId(0), "origin");
    io::make_filesystem(io::FsType::Ext4, dev);
    fs::create_directories(s.dir() / "origin");
    io::mount_filesystem(dev, s.dir() / "origin", io::branch_mount_options(io::FsType::Ext4));
    test::write_pattern(s.dir() / "origin" / "file", 3 * kMiB, 1);
    auto before = test::read_whole(s.dir() / "origin" / "file");

    {
      auto suspended = dm::SuspendedDevice::suspend(s.control(), s.dm_name("origin"));
      EXPECT_TRUE(s.control().info(s.dm_name("origin"))->suspended);
      p.pool.send(dm::CreateSnap{ThinId(1), ThinId(0)});
      suspended.resume();
    }
    EXPECT_FALSE(s.control().info(s.dm_name("origin"))->suspended);
    test::write_pattern(s.dir() / "origin" / "file", 3 * kMiB, 2);
    EXPECT_NE(test::read_whole(s.dir() / "origin" / "file"), before);

    auto snap = p.thin(ThinId(1), "snap");
    fs::create_directories(s.dir() / "snap");
    {
      auto view = io::Mount::mount(snap, s.dir() / "snap", io::snapshot_view_options(io::FsType::Ext4));
      EXPECT_EQ(test::read_whole(s.dir() / "snap" / "file"), before);
    }
    EXPECT_FALSE(io::is_mountpoint(s.dir() / "snap"));

    io::unmount(s.dir() / "origin");
    s.control().remove(s.dm_name("snap"));
    s.control().remove(s.dm_name("origin"));
    p.pool.send(dm::DeleteThin{ThinId(1)});
    p.pool.send(dm::DeleteThin{ThinId(0)});
    EXPECT_EQ(p.pool.status().used_data_blocks.value, 0u);
    p.pool.deactivate();
  }
  EXPECT_EQ(s.dm_devices_with_tag(), 0);
  EXPECT_EQ(s.mounts_inside(), 0);
  EXPECT_EQ(io::find_loop_device(s.dir() / "data.img"), std::nullopt);
  EXPECT_EQ(io::find_loop_device(s.dir() / "meta.img"), std::nullopt);
}

TEST(ThinPool, TransactionIdIsACompareAndSwap) {
  // Given a pool at transaction 0, when set 0->1 then a stale 0->2 is sent, then the first
  // moves it and the second is refused, leaving 1.
  test::Scratch s;
  PoolOnLoops p(s);
  p.pool.send(dm::SetTransactionId{0, 1});
  EXPECT_EQ(p.pool.status().transaction_id, 1u);
  EXPECT_THROW(p.pool.send(dm::SetTransactionId{0, 2}), Error);
  EXPECT_EQ(p.pool.status().transaction_id, 1u);
}

TEST(ThinPool, CreatingAnExistingThinIdIsRefused) {
  test::Scratch s;
  PoolOnLoops p(s);
  p.pool.send(dm::CreateThin{ThinId(5)});
  EXPECT_THROW(p.pool.send(dm::CreateThin{ThinId(5)}), Error);
}

TEST(SuspendedDevice, IsResumedWhenTheScopeThrows) {
  // Given a thin device, when an error is thrown while it is suspended, then it is live again.
  test::Scratch s;
  PoolOnLoops p(s);
  p.pool.send(dm::CreateThin{ThinId(0)});
  p.thin(ThinId(0), "t");
  try {
    auto suspended = dm::SuspendedDevice::suspend(s.control(), s.dm_name("t"));
    p.pool.send(dm::CreateThin{ThinId(0)});  // fails: id exists
    FAIL() << "create_thin of an existing id succeeded";
  } catch (const Error&) {
  }
  EXPECT_FALSE(s.control().info(s.dm_name("t"))->suspended);
}

TEST(HeldMetadataSnapshot, IsReleasedWhenTheScopeThrows) {
  // Given a pool, when a metadata snapshot is reserved and an error is thrown, then the pool
  // status shows no held root, and a second reservation works.
  test::Scratch s;
  PoolOnLoops p(s);
  p.pool.send(dm::CreateThin{ThinId(0)});
  try {
    auto held = dm::HeldMetadataSnapshot::reserve(p.pool);
    EXPECT_TRUE(p.pool.status().held_metadata_root.has_value());
    EXPECT_EQ(*p.pool.status().held_metadata_root, held.root());
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(p.pool.status().held_metadata_root.has_value());
  auto again = dm::HeldMetadataSnapshot::reserve(p.pool);
  again.release();
  EXPECT_FALSE(p.pool.status().held_metadata_root.has_value());
}

TEST(Uring, ReadsAThinDeviceWithODirect) {
  // Given a pattern written to a thin device, when it is read back through io_uring with
  // O_DIRECT, then every byte matches and O_DIRECT was really used.
  test::Scratch s;
  PoolOnLoops p(s);
  p.pool.send(dm::CreateThin{ThinId(0)});
  auto dev = p.thin(ThinId(0), "t", 64 * kMiB);
  std::string pattern(8 * kMiB, '\0');
  std::mt19937 gen(7);
  for (auto& c : pattern) c = static_cast<char>(gen());
  {
    auto fd = io::open_file(dev, O_WRONLY);
    ASSERT_EQ(::pwrite(fd.get(), pattern.data(), pattern.size(), 4 * kMiB), static_cast<ssize_t>(pattern.size()));
    ASSERT_EQ(::fsync(fd.get()), 0);
  }
  auto ring = io::IoUring::create(32);
  io::UringReader reader(ring, 256 * 1024);
  io::ReadSource source{io::open_for_reading(dev), dev};
  EXPECT_TRUE(source.handle.direct);
  std::string got(pattern.size(), '\0');
  reader.read(source, {{4 * kMiB, pattern.size()}}, [&](uint64_t off, std::span<const std::byte> data) {
    std::memcpy(got.data() + (off - 4 * kMiB), data.data(), data.size());
  });
  EXPECT_TRUE(source.handle.direct);
  EXPECT_EQ(got, pattern);
  // An unprovisioned range reads as zeros.
  bool all_zero = true;
  reader.read(source, {{32 * kMiB, kMiB}}, [&](uint64_t, std::span<const std::byte> data) {
    for (auto b : data) all_zero = all_zero && b == std::byte{0};
  });
  EXPECT_TRUE(all_zero);
}

TEST(Uring, FallsBackToBufferedReadsWhereODirectIsRefused) {
  // Given a file on tmpfs (which refuses O_DIRECT), when it is read through io_uring, then
  // the reader falls back to buffered reads and returns the right bytes.
  fs::path file = "/dev/shm/dvol-uring-fallback";
  test::write_pattern(file, 3 * kMiB + 4096, 9);
  auto want = test::read_whole(file);
  auto ring = io::IoUring::create(8);
  io::UringReader reader(ring, 1 << 20);
  io::ReadSource source{io::open_for_reading(file), file.string()};
  EXPECT_FALSE(source.handle.direct);
  std::string got(want.size(), '\0');
  reader.read(source, {{0, want.size()}}, [&](uint64_t off, std::span<const std::byte> data) {
    std::memcpy(got.data() + off, data.data(), data.size());
  });
  fs::remove(file);
  EXPECT_FALSE(source.handle.direct);
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace dvol
