#pragma once
// LibDmControl: dm::Control on libdevmapper's ioctl interface. Works without udev: device
// nodes under /dev/mapper are made by libdevmapper itself or, failing that, by device_path().
// Not thread-safe (libdevmapper's logging is process-wide).
#include <map>

#include "dm/control.h"

namespace dvol::dm {

class LibDmControl final : public Control {
 public:
  LibDmControl();
  ~LibDmControl() override;

  // True if the kernel has device-mapper (the control node can be opened).
  static bool kernel_supported();
  // What is wrong, and what to do, on a kernel without device-mapper: the same sentence for
  // `dvol doctor` and for every command that needs it.
  static const char* const kNoDeviceMapper;
  static const char* const kNoDeviceMapperHint;
  // The kernel's device-mapper targets and their versions ("thin-pool" -> "1.23.0").
  static std::map<std::string, std::string> target_versions();

  void create(const DmName& name, const std::string& uuid, const std::vector<TableLine>& table,
              bool read_only) override;
  void reload(const DmName& name, const std::vector<TableLine>& table) override;
  void clear_inactive(const DmName& name) override;
  void suspend(const DmName& name) override;
  void resume(const DmName& name) override;
  void remove(const DmName& name) override;
  void message(const DmName& name, const std::string& text) override;
  std::optional<DeviceInfo> info(const DmName& name) override;
  std::vector<TableLine> table(const DmName& name) override;
  std::vector<TableLine> status(const DmName& name) override;
  std::vector<std::string> list() override;
  std::string device_path(const DmName& name) override;
};

}  // namespace dvol::dm
