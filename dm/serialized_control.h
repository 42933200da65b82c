#pragma once
// SerializedControl: a Control that several threads may share (the plugin serves Docker's
// requests side by side). Each call runs alone: libdevmapper keeps process-wide state (its
// control descriptor, the list of device nodes to update, its log), and a dm call is short.
// What a volume needs to be changed by one command at a time is the volume's lock, not this.
#include <memory>
#include <mutex>
#include <type_traits>

#include "dm/control.h"

namespace dvol::dm {

class SerializedControl final : public Control {
 public:
  explicit SerializedControl(std::unique_ptr<Control> inner) : inner_(std::move(inner)) {}

  void create(const DmName& name, const std::string& uuid, const std::vector<TableLine>& table,
              bool read_only) override {
    alone([&](Control& c) { c.create(name, uuid, table, read_only); });
  }
  void reload(const DmName& name, const std::vector<TableLine>& table) override {
    alone([&](Control& c) { c.reload(name, table); });
  }
  void clear_inactive(const DmName& name) override { alone([&](Control& c) { c.clear_inactive(name); }); }
  void suspend(const DmName& name) override { alone([&](Control& c) { c.suspend(name); }); }
  void resume(const DmName& name) override { alone([&](Control& c) { c.resume(name); }); }
  void remove(const DmName& name) override { alone([&](Control& c) { c.remove(name); }); }
  void message(const DmName& name, const std::string& text) override {
    alone([&](Control& c) { c.message(name, text); });
  }
  std::optional<DeviceInfo> info(const DmName& name) override {
    return alone([&](Control& c) { return c.info(name); });
  }
  std::vector<TableLine> table(const DmName& name) override {
    return alone([&](Control& c) { return c.table(name); });
  }
  std::vector<TableLine> status(const DmName& name) override {
    return alone([&](Control& c) { return c.status(name); });
  }
  std::vector<std::string> list() override { return alone([&](Control& c) { return c.list(); }); }
  std::string device_path(const DmName& name) override {
    return alone([&](Control& c) { return c.device_path(name); });
  }
  std::optional<std::map<std::string, std::string>> kernel_targets() override {
    return alone([&](Control& c) { return c.kernel_targets(); });
  }

 private:
  template <class Call>
  std::invoke_result_t<Call, Control&> alone(Call&& call) {
    std::lock_guard lock(mutex_);
    return call(*inner_);
  }

  std::unique_ptr<Control> inner_;
  std::mutex mutex_;
};

}  // namespace dvol::dm
