// dvol du: the pool space each branch and commit takes; and what a --dry-run delete prints.
#include <ostream>

#include "cli/commands.h"
#include "cli/render/json.h"
#include "cli/render/space.h"
#include "src/operations.h"
#include "src/size_format.h"

namespace dvol::cli {

void register_du(CLI::App& command, Context& context) {
  auto volume = std::make_shared<std::optional<std::string>>();
  add_volume_argument(command, *volume);
  command.callback([&context, volume] {
    auto& host = context.host();
    auto report = disk_usage(host, resolve_volume(host, *volume));
    *context.out << (context.json ? render::dump_json(render::space_json(report)) : render::render_space(report));
  });
}

void report_would_free(Context& context, uint64_t bytes) {
  *context.out << (context.json ? render::dump_json({{"would_free_bytes", bytes}})
                                : "Would free " + format_size(bytes) + ".\n");
}

}  // namespace dvol::cli
