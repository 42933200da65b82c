#pragma once
// AttachedLoop: a file attached to a loop device with LOOP_CONFIGURE (Linux 5.8+), or on older
// kernels, which do not know it, with LOOP_SET_FD and LOOP_SET_STATUS64.
//
// Every loop device dvol attaches has LO_FLAGS_AUTOCLEAR: the kernel detaches it as soon as
// the last opener closes it. While a dm table (the thin pool) holds it, it stays; when the
// pool is removed, it goes by itself, and a crash between attaching and creating the pool
// leaves nothing behind. The guard owns one open descriptor: its destructor closes it, which
// detaches the device unless something else (a dm table) now holds it.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "io/fd.h"

namespace dvol::io {

class AttachedLoop {
 public:
  // How to attach: LOOP_CONFIGURE, falling back to the two older calls where the kernel does
  // not know it; or the older calls only (tests of the fallback on a kernel that has both).
  enum class Setup { Configure, SetFdAndStatus };
  // Attaches `file` to a free loop device. Throws Unsupported if there is no loop driver.
  [[nodiscard]] static AttachedLoop attach(const std::filesystem::path& file, Setup setup = Setup::Configure);

  AttachedLoop(AttachedLoop&&) noexcept = default;
  AttachedLoop& operator=(AttachedLoop&&) noexcept = default;
  ~AttachedLoop() = default;  // closing fd_ autoclears (see above)

  const std::string& device() const { return device_; }  // e.g. /dev/loop3
  dev_t rdev() const { return rdev_; }
  std::string major_minor() const;  // "7:3", how dm tables name it

  // Re-reads the backing file's size after it was grown (LOOP_SET_CAPACITY).
  void refresh_capacity();

 private:
  AttachedLoop(Fd fd, std::string device, dev_t rdev) : fd_(std::move(fd)), device_(std::move(device)), rdev_(rdev) {}
  Fd fd_;
  std::string device_;
  dev_t rdev_ = 0;
};

// Makes the attached loop device `major_minor` ("7:3", as a dm table names it) take on its
// backing file's current size after the file was grown (LOOP_SET_CAPACITY), and returns its
// size in bytes. Works while a dm table holds the device. On error the size is unchanged.
uint64_t refresh_loop_capacity(const std::string& major_minor);

// The loop device (e.g. "/dev/loop3") that currently has `file` attached, if any.
std::optional<std::string> find_loop_device(const std::filesystem::path& file);

// Number of loop devices bound to a backing file (for leak checks in tests and doctor).
int count_attached_loops();

}  // namespace dvol::io
