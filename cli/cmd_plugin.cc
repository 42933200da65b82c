// dvol plugin (the Docker volume driver) and the container options of checkout and reset.
#include <iostream>

#include "cli/commands.h"
#include "plugin/dvol_backend.h"
#include "plugin/server.h"
#include "src/docker_endpoints.h"
#include "src/error.h"
#include "src/operations.h"

namespace dvol::cli {

void add_restart_containers_flag(CLI::App& command, bool& restart) {
  command.add_flag("--restart-containers", restart,
                   "Stop the running containers that use the volume, switch, and start them again");
}

void report_restarts(Context& context, const std::vector<std::string>& restarted,
                     const std::vector<std::string>& failures) {
  if (!context.json)
    for (const auto& name : restarted) *context.out << "Restarted container " << name << ".\n";
  if (failures.empty()) return;
  Error error(Code::Unavailable, failures[0]);
  for (size_t i = 1; i < failures.size(); ++i) error.append_hint(failures[i]);
  throw error;
}

void register_plugin(CLI::App& command, Context& context) {
  auto socket = std::make_shared<std::string>(kPluginSocket);
  command.add_option("--socket", *socket, std::string("Unix socket to serve (default ") + kPluginSocket + ")");
  command.callback([&context, socket] {
    require_root("plugin");
    // Docker calls the plugin and waits for it: the plugin must never call Docker back
    // (no container engine in its Host). Requests are served side by side.
    Kernel kernel(/*shared_by_threads=*/true);
    Host host{context.root, kernel.dm(), kernel.mounts()};
    plugin::DvolBackend backend(host);
    // Containers that already hold a volume (the plugin restarted while they run) count as
    // mounts under IDs the plugin never saw.
    plugin::VolumeDriver driver(backend, volume_holders(host));
    plugin::serve(driver, *socket, std::cerr);
  });
}

}  // namespace dvol::cli
