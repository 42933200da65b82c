#pragma once
// dm::Control: the device-mapper operations dvol uses, by device name. The real one is
// LibDmControl (libdevmapper); host unit tests use fakes. Implementations translate every
// failure into a dvol::Error carrying the operation, the device and errno.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dm/table.h"
#include "dm/units.h"

namespace dvol::dm {

// What is wrong, and what to do, on a kernel without device-mapper: the same sentence for
// `dvol doctor` and for every command that needs it.
inline constexpr const char* kNoDeviceMapper = "the running kernel has no device-mapper";
inline constexpr const char* kNoDeviceMapperHint =
    "load it with 'modprobe dm-mod' as root; a kernel built without it (as on some CI machines) cannot run "
    "dvol directly: run dvol inside the test kernel, scripts/uml-run -- dvol ... (see README.md)";

struct DeviceInfo {
  uint32_t major = 0;
  uint32_t minor = 0;
  bool suspended = false;
  bool live_table = false;
  int32_t open_count = 0;
  std::string uuid;

  std::string major_minor() const { return std::to_string(major) + ":" + std::to_string(minor); }
};

class Control {
 public:
  virtual ~Control() = default;

  // Creates `name` with `uuid`, loads `table` and activates it. AlreadyExists if the name is
  // taken; on any other error no device is left behind.
  virtual void create(const DmName& name, const std::string& uuid, const std::vector<TableLine>& table,
                      bool read_only = false) = 0;
  // Loads `table` into the inactive slot; the next resume makes it live.
  virtual void reload(const DmName& name, const std::vector<TableLine>& table) = 0;
  // Drops a table loaded into the inactive slot, so that no later resume swaps it in.
  virtual void clear_inactive(const DmName& name) = 0;
  // Suspends, flushing I/O and freezing a mounted filesystem (lockfs).
  virtual void suspend(const DmName& name) = 0;
  virtual void resume(const DmName& name) = 0;
  // Removes the device. Absent is fine. Busy (open or mounted): waits a few seconds for a
  // transient opener (udev's probe), then throws Unavailable naming who holds it.
  virtual void remove(const DmName& name) = 0;
  virtual void message(const DmName& name, const std::string& text) = 0;

  // Absent devices give nullopt.
  virtual std::optional<DeviceInfo> info(const DmName& name) = 0;
  virtual std::vector<TableLine> table(const DmName& name) = 0;
  virtual std::vector<TableLine> status(const DmName& name) = 0;
  // Names of all dm devices on the host.
  virtual std::vector<std::string> list() = 0;
  // A block device node for `name` that can be opened or mounted, which no udev rule touches.
  virtual std::string device_path(const DmName& name) = 0;
  // The kernel's device-mapper targets and their versions ("thin-pool" -> "1.23.0"); nullopt
  // when the running kernel has no device-mapper at all. Changes nothing (loads no module).
  virtual std::optional<std::map<std::string, std::string>> kernel_targets() = 0;
};

}  // namespace dvol::dm
