#include "plugin/dvol_backend.h"

#include "src/error.h"
#include "src/operations.h"
#include "src/size_format.h"

namespace dvol::plugin {

bool DvolBackend::exists(const std::string& name) { return volume_exists(host_, name); }

void DvolBackend::create(const std::string& name, const CreateOptions& options) {
  InitRequest request;
  request.volume = name;
  request.make_current = false;
  if (options.size) {
    auto bytes = parse_size(*options.size);
    if (!bytes) throw Error(Code::InvalidArgument, "'" + *options.size + "' is not a valid size").with_hint("examples: 10G, 512M, 1T");
    request.size_bytes = *bytes;
  }
  if (options.fs) request.fs = *options.fs;
  init_volume(host_, request);
}

DriverVolume DvolBackend::describe(const std::string& name) {
  auto v = describe_volume(host_, name);
  DriverVolume out{v.name, v.mountpoint};
  out.status = {{"Branch", v.branch},
                {"Branches", v.branches},
                {"HEAD", v.head ? v.head->id.substr(0, 7) + " " + v.head->message.substr(0, 72) : ""},
                {"Filesystem", v.fs},
                {"Size", format_size(v.fs_size_bytes)},
                {"Used", format_size(v.size_bytes)}};
  return out;
}

std::vector<DriverVolume> DvolBackend::list() {
  std::vector<DriverVolume> out;
  for (const auto& v : list_volumes(host_)) out.push_back({v.name, v.mountpoint});
  return out;
}

std::string DvolBackend::mount(const std::string& name) { return volume_path(host_, name); }

}  // namespace dvol::plugin
