#include "plugin/container_list.h"

#include <nlohmann/json.hpp>

#include "src/error.h"

namespace dvol::plugin {

std::vector<Container> parse_container_list(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) throw Error(Code::InvalidArgument, "a container list must be a JSON array");
  std::vector<Container> out;
  for (const auto& entry : doc) {
    if (!entry.is_object()) continue;
    Container c;
    if (auto id = entry.find("Id"); id != entry.end() && id->is_string()) c.id = *id;
    if (c.id.empty()) continue;
    // Names come as ["/name"]; a container always has one.
    if (auto names = entry.find("Names"); names != entry.end() && names->is_array() && !names->empty() &&
                                          names->front().is_string()) {
      std::string name = names->front();
      c.name = name.starts_with('/') ? name.substr(1) : name;
    }
    if (c.name.empty()) c.name = c.id.substr(0, 12);
    if (auto mounts = entry.find("Mounts"); mounts != entry.end() && mounts->is_array()) {
      for (const auto& m : *mounts) {
        if (!m.is_object()) continue;
        auto driver = m.find("Driver"), name = m.find("Name");
        if (driver != m.end() && driver->is_string() && *driver == "dvol" && name != m.end() && name->is_string())
          c.volumes.push_back(*name);
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace dvol::plugin
