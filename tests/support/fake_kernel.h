#pragma once
// FakeKernel: device-mapper with thin pools, loop devices, filesystems and mounts, in memory,
// behind the same interfaces as the real kernel (dm::Control, io::Mounter). For host tests of
// the order and rollback of every operation: it logs each call, can fail the N-th call that
// changes state (once, or from then on, as a machine losing power would), and can reboot.
//
// What it models, from the kernel's documented behaviour (the kernel suite proves the real
// kernel behaves so): a pool's thin devices and transaction id live in its metadata file and
// survive a reboot (each message commits them); devices, mounts and loop devices do not. A
// thin device's data is a token: mkfs and write() set it, a snapshot copies its origin's.
// Removing an open device (a pool under a live thin device, a mounted thin device) is busy.
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dm/control.h"
#include "io/mounter.h"

namespace dvol::testing {

class FakeKernel {
 public:
  FakeKernel();
  ~FakeKernel();
  FakeKernel(const FakeKernel&) = delete;
  FakeKernel& operator=(const FakeKernel&) = delete;

  dm::Control& dm();
  io::Mounter& mounts();

  // The `step`-th state-changing call from now (1-based) fails with Code::Io and changes
  // nothing; with `and_every_later_one`, so does every call after it until reboot() (a power
  // cut at that step, seen from the process: the kernel's state is as of the step before).
  void fail_at(size_t step, bool and_every_later_one);
  // State-changing calls (create, reload, suspend, resume, remove, message, loop attach and
  // capacity, mkfs, mount, unmount) since the last reset_steps().
  size_t steps() const;
  void reset_steps();
  // Every call, one line each ("dm message dvol-x-pool create_snap 3 1", "mount ...").
  const std::vector<std::string>& log() const;

  // Power off and on: devices, loop devices and mounts are gone; what pools committed stays.
  void reboot();

  // A program writing `data` into the filesystem mounted at `target` (its thin device's token).
  void write(const std::filesystem::path& target, const std::string& data);

  // Readers for the tests' account of the state.
  struct Device {
    std::string name;
    bool suspended = false;
    bool staged_table = false;  // a table loaded into the inactive slot
  };
  std::vector<Device> devices() const;
  // The token of the data mounted at `target`, the directory of it served, or nullopt.
  std::optional<std::string> data_at(const std::filesystem::path& target) const;
  struct Pool {
    uint64_t transaction_id = 0;
    std::map<uint32_t, std::string> thins;  // thin id -> data token
    bool metadata_snapshot_held = false;
  };
  // The committed state of the pool whose metadata file is `meta_file`.
  std::optional<Pool> pool(const std::filesystem::path& meta_file) const;
  // Every mount (target -> device "major:minor") in mount order.
  std::vector<std::pair<std::filesystem::path, std::string>> mount_table() const;

  struct State;  // in fake_kernel.cc, shared by the two interfaces

 private:
  std::unique_ptr<State> state_;
  std::unique_ptr<dm::Control> dm_;
  std::unique_ptr<io::Mounter> mounts_;
};

}  // namespace dvol::testing
