#pragma once
// The plugin's volumes are dvol's volumes: the same state root, metadata and locks as the CLI,
// so `dvol init` volumes show in Docker and Docker-made volumes in `dvol list`.
#include "plugin/volume_driver.h"
#include "src/host.h"

namespace dvol::plugin {

class DvolBackend : public VolumeBackend {
 public:
  explicit DvolBackend(Host& host) : host_(host) {}

  bool exists(const std::string& name) override;
  void create(const std::string& name, const CreateOptions& options) override;
  DriverVolume describe(const std::string& name) override;
  std::vector<DriverVolume> list() override;
  std::string mount(const std::string& name) override;

 private:
  Host& host_;
};

}  // namespace dvol::plugin
