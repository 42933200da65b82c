#pragma once
// LibDmControl: dm::Control on libdevmapper's ioctl interface. Works with udev and without:
// it never waits for udev, and opens and mounts devices through nodes of its own (/dev/dvol,
// see device_path), not through /dev/mapper, which udev manages where it runs.
// Not thread-safe (libdevmapper's logging is process-wide).
#include "dm/control.h"

namespace dvol::dm {

class LibDmControl final : public Control {
 public:
  LibDmControl();
  ~LibDmControl() override;

  // True if the kernel has device-mapper (it is listed in /proc/misc).
  static bool kernel_supported();

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
  std::optional<std::map<std::string, std::string>> kernel_targets() override;
};

}  // namespace dvol::dm
