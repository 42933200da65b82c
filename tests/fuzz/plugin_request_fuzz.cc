// libFuzzer target: the plugin's request handling (VolumeDriver::handle) on arbitrary endpoint
// and body bytes, against in-memory volumes. Every reply must be a JSON object; nothing may
// crash, hang or leak.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "plugin/volume_driver.h"
#include "src/error.h"

namespace {

using dvol::plugin::CreateOptions;
using dvol::plugin::DriverVolume;

class MemoryVolumes : public dvol::plugin::VolumeBackend {
 public:
  std::map<std::string, CreateOptions> volumes;
  bool exists(const std::string& name) override {
    if (name.size() > 128) throw dvol::Error(dvol::Code::InvalidArgument, "name too long: " + name);
    return volumes.count(name) > 0;
  }
  void create(const std::string& name, const CreateOptions& options) override {
    if (volumes.size() > 64) throw dvol::Error(dvol::Code::ResourceExhausted, "full");
    volumes[name] = options;
  }
  DriverVolume describe(const std::string& name) override {
    if (!volumes.count(name)) throw dvol::Error(dvol::Code::NotFound, "volume " + name + " does not exist");
    return {name, "/mnt/" + name, {{"Branch", "master"}}};
  }
  std::vector<DriverVolume> list() override {
    std::vector<DriverVolume> out;
    for (const auto& [name, _] : volumes) out.push_back(describe(name));
    return out;
  }
  std::string mount(const std::string& name) override { return describe(name).mountpoint; }
};

const char* const kPaths[] = {"/Plugin.Activate",     "/VolumeDriver.Create", "/VolumeDriver.Get",
                              "/VolumeDriver.List",   "/VolumeDriver.Mount",  "/VolumeDriver.Unmount",
                              "/VolumeDriver.Path",   "/VolumeDriver.Remove", "/VolumeDriver.Capabilities",
                              "/VolumeDriver.Nope"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One driver across inputs, as in the plugin: state (mount counts) carries over; renewed now
  // and then so that the mount IDs of millions of inputs do not pile up.
  static MemoryVolumes volumes;
  static auto driver = std::make_unique<dvol::plugin::VolumeDriver>(volumes);
  static size_t runs = 0;
  if (++runs % 10000 == 0) {
    volumes.volumes.clear();
    driver = std::make_unique<dvol::plugin::VolumeDriver>(volumes);
  }
  if (size == 0) return 0;
  std::string path = kPaths[data[0] % std::size(kPaths)];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto reply = driver->handle(path, body);
  auto doc = nlohmann::json::parse(reply.body, nullptr, false);
  if (!doc.is_object() || (reply.status != 200 && !doc.contains("Err"))) std::abort();
  return 0;
}
