#pragma once
// The Docker volume plugin protocol (docs/docker-plugin.md): one call is a POST path and a
// JSON body in, a JSON reply out. This layer parses and validates requests, keeps the mount
// count per Mount ID, and turns errors into {"Err": "..."}; the volumes themselves come from a
// VolumeBackend (dvol's operations in the plugin, a fake in the unit tests). No HTTP here.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dvol::plugin {

struct DriverVolume {
  std::string name;
  std::string mountpoint;
  nlohmann::json status = nlohmann::json::object();  // shown by `docker volume inspect`
};

struct CreateOptions {
  std::optional<std::string> size;  // "20G"
  std::optional<std::string> fs;    // "ext4" | "xfs"
};

class VolumeBackend {
 public:
  virtual ~VolumeBackend() = default;
  // All of these throw dvol::Error; its message becomes the reply's Err.
  virtual bool exists(const std::string& name) = 0;
  virtual void create(const std::string& name, const CreateOptions& options) = 0;
  virtual DriverVolume describe(const std::string& name) = 0;
  virtual std::vector<DriverVolume> list() = 0;
  // Makes sure the checked-out branch is mounted (after a reboot it is not) and returns where.
  virtual std::string mount(const std::string& name) = 0;
};

struct DriverReply {
  unsigned status = 200;
  std::string body;  // JSON
};

class VolumeDriver {
 public:
  // `holders` is what was really mounted when the plugin started: per volume, how many
  // containers hold its branch (their Mount IDs are unknown, so they are counted anonymously).
  explicit VolumeDriver(VolumeBackend& backend, std::map<std::string, size_t> holders = {});

  // `path` is the request target, e.g. "/VolumeDriver.Mount". Never throws. Thread-safe:
  // requests run side by side (a Get never waits behind a Create that waits for a volume's
  // lock); the backend must be thread-safe too.
  DriverReply handle(std::string_view path, std::string_view body);

  // Containers that hold the volume now, as far as the plugin knows.
  size_t mount_count(const std::string& name) const;

 private:
  nlohmann::json create(const nlohmann::json& request);
  nlohmann::json get(const nlohmann::json& request);
  nlohmann::json list();
  nlohmann::json mount(const nlohmann::json& request);
  nlohmann::json unmount(const nlohmann::json& request);
  nlohmann::json path(const nlohmann::json& request);
  nlohmann::json remove(const nlohmann::json& request);
  DriverVolume describe_with_mounts(const std::string& name);
  // Creates `name` unless it exists (made meanwhile by another request too: fine).
  void create_if_missing(const std::string& name, const CreateOptions& options);

  VolumeBackend& backend_;
  mutable std::mutex mutex_;  // the mount counts only: volumes change under dvol's own locks
  std::map<std::string, std::set<std::string>> mount_ids_;
  std::map<std::string, size_t> anonymous_;
};

}  // namespace dvol::plugin
