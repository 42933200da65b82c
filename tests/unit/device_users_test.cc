// io/device_users.h: who has a block device open, for the message of a removal that waited too
// long. On a /proc and /sys tree made by the test, around one of the host's real block devices.
#include "io/device_users.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "temp_dir.h"

namespace dvol {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A block device node of this host (a loop device is on every Linux host that has the driver).
std::optional<fs::path> some_block_device() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/dev", ec)) {
    struct stat st{};
    if (::stat(e.path().c_str(), &st) == 0 && S_ISBLK(st.st_mode)) return e.path();
  }
  return std::nullopt;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(DeviceUsers, NamesMountsStackedDevicesAndProcessesWithTheDeviceOpen) {
  auto dev_path = some_block_device();
  if (!dev_path) GTEST_SKIP() << "this host has no block device node in /dev";
  struct stat st{};
  ASSERT_EQ(::stat(dev_path->c_str(), &st), 0);
  const auto mm = std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  TempDir root;
  auto proc = root.path() / "proc", sys = root.path() / "sys";
  write(proc / "self" / "mountinfo",
        "22 1 0:21 / /proc rw - proc proc rw\n"
        "40 22 " + mm + " / /var/lib/dvol/v/mnt rw - ext4 /dev/dvol/x rw\n");
  fs::create_directories(sys / "dev" / "block" / mm / "holders" / "dm-5");
  // Process 812 has the device open (fd 4); process 813 has only other files.
  fs::create_directories(proc / "812" / "fd");
  write(proc / "812" / "comm", "udev-worker\n");
  fs::create_symlink(*dev_path, proc / "812" / "fd" / "4");
  fs::create_directories(proc / "813" / "fd");
  write(proc / "813" / "comm", "bash\n");
  fs::create_symlink("/dev/null", proc / "813" / "fd" / "0");

  auto users = io::device_users(st.st_rdev, proc, sys);
  EXPECT_EQ(users, (std::vector<std::string>{"mounted at /var/lib/dvol/v/mnt", "under dm-5",
                                             "open by udev-worker (pid 812)"}));
}

TEST(DeviceUsers, ADeviceNobodyHoldsHasNoUsers) {
  TempDir root;
  write(root.path() / "proc" / "self" / "mountinfo", "22 1 0:21 / /proc rw - proc proc rw\n");
  EXPECT_EQ(io::device_users(makedev(253, 77), root.path() / "proc", root.path() / "sys"), std::vector<std::string>{});
}

}  // namespace
}  // namespace dvol
