#pragma once
// SerializedControl: a Control that several threads may share (the plugin serves Docker's
// requests side by side). Each call runs alone: libdevmapper keeps process-wide state (its
// control descriptor, the list of device nodes to update, its log), and a dm call is short.
// What a volume needs to be changed by one command at a time is the volume's lock, not this.
#include <memory>
#include <mutex>

#include "dm/control.h"

namespace dvol::dm {

class SerializedControl final : public Control {
 public:
  explicit SerializedControl(std::unique_ptr<Control> inner) : inner_(std::move(inner)) {}

  void create(const DmName& name, const std::string& uuid, const std::vector<TableLine>& table,
              bool read_only) override {
    std::lock_guard lock(mutex_);
    inner_->create(name, uuid, table, read_only);
  }
  void reload(const DmName& name, const std::vector<TableLine>& table) override {
    std::lock_guard lock(mutex_);
    inner_->reload(name, table);
  }
  void clear_inactive(const DmName& name) override {
    std::lock_guard lock(mutex_);
    inner_->clear_inactive(name);
  }
  void suspend(const DmName& name) override {
    std::lock_guard lock(mutex_);
    inner_->suspend(name);
  }
  void resume(const DmName& name) override {
    std::lock_guard lock(mutex_);
    inner_->resume(name);
  }
  void remove(const DmName& name) override {
    std::lock_guard lock(mutex_);
    inner_->remove(name);
  }
  void message(const DmName& name, const std::string& text) override {
    std::lock_guard lock(mutex_);
    inner_->message(name, text);
  }
  std::optional<DeviceInfo> info(const DmName& name) override {
    std::lock_guard lock(mutex_);
    return inner_->info(name);
  }
  std::vector<TableLine> table(const DmName& name) override {
    std::lock_guard lock(mutex_);
    return inner_->table(name);
  }
  std::vector<TableLine> status(const DmName& name) override {
    std::lock_guard lock(mutex_);
    return inner_->status(name);
  }
  std::vector<std::string> list() override {
    std::lock_guard lock(mutex_);
    return inner_->list();
  }
  std::string device_path(const DmName& name) override {
    std::lock_guard lock(mutex_);
    return inner_->device_path(name);
  }

 private:
  std::unique_ptr<Control> inner_;
  std::mutex mutex_;
};

}  // namespace dvol::dm
