// Volume commands: init, list, switch, rm, path.
#include <fmt/format.h>

#include <istream>
#include <ostream>

#include "cli/commands.h"
#include "cli/render/json.h"
#include "cli/render/volume_list.h"
#include "src/error.h"
#include "src/operations.h"
#include "src/size_format.h"

namespace dvol::cli {

void add_volume_argument(CLI::App& command, std::optional<std::string>& volume) {
  command.add_option("VOLUME", volume, "Volume (default: the current volume)");
}

void register_init(CLI::App& command, Context& context) {
  auto request = std::make_shared<InitRequest>();
  auto size = std::make_shared<std::string>("10G");
  command.add_option("VOLUME", request->volume, "Name of the new volume (NAME or GROUP/NAME)")->required();
  command.add_option("--size", *size, "Filesystem size the branches see (default 10G; space is used only as data is written)");
  command.add_option("--fs", request->fs, "Filesystem: ext4 (default) or xfs");
  command.callback([&context, request, size] {
    auto bytes = parse_size(*size);
    if (!bytes)
      throw Error(Code::InvalidArgument, "'" + *size + "' is not a valid size").with_hint("examples: 10G, 512M, 1T");
    request->size_bytes = *bytes;
    init_volume(context.host(), *request);
    *context.out << "Created empty volume " << request->volume << ".\n";
  });
}

void register_list(CLI::App& command, Context& context) {
  command.callback([&context] {
    std::vector<render::VolumeRow> rows;
    std::vector<Error> unreadable;
    for (auto& v : list_volumes(context.host(), &unreadable))
      rows.push_back({v.name, v.size_bytes, v.branches, v.branch, v.containers, v.current});
    *context.out << (context.json ? render::dump_json(render::volume_list_json(rows)) : render::render_volume_list(rows));
    // The others are listed; then each volume that could not be read is an error (exit 1).
    if (unreadable.empty()) return;
    Error first = unreadable[0];
    for (size_t i = 1; i < unreadable.size(); ++i) first.append_hint("dvol: " + unreadable[i].message());
    throw first;
  });
}

void register_switch(CLI::App& command, Context& context) {
  auto volume = std::make_shared<std::string>();
  command.add_option("VOLUME", *volume, "Volume to make current")->required();
  command.callback([&context, volume] { switch_volume(context.host(), *volume); });
}

void register_rm(CLI::App& command, Context& context) {
  auto volume = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  command.add_option("VOLUME", *volume, "Volume to destroy")->required();
  command.add_flag("-f,--force", *force, "Do not ask for confirmation");
  command.callback([&context, volume, force] {
    require_root("rm");  // before asking, and before reading state another user cannot read
    auto name = resolve_volume(context.host(), *volume);
    (void)describe_volume(context.host(), name);  // refuse a missing volume before asking
    if (!*force) {
      *context.out << "Are you sure? (y/n): " << std::flush;
      std::string answer;
      std::getline(*context.in, answer);
      if (answer != "y" && answer != "yes" && answer != "Y" && answer != "YES") {
        *context.out << "\n";
        throw Error(Code::Cancelled, "not deleting volume " + name);
      }
    }
    remove_volume(context.host(), name);
    *context.out << "Deleted volume " << name << ".\n";
  });
}

void register_path(CLI::App& command, Context& context) {
  auto volume = std::make_shared<std::optional<std::string>>();
  add_volume_argument(command, *volume);
  command.callback([&context, volume] {
    auto path = volume_path(context.host(), resolve_volume(context.host(), *volume));
    if (context.json)
      *context.out << render::dump_json({{"path", path}});
    else
      *context.out << path << "\n";
  });
}

void register_activate(CLI::App& command, Context& context) {
  command.callback([&context] {
    auto r = activate_all_volumes(context.host());
    if (context.json) {
      nlohmann::json failed = nlohmann::json::array();
      for (const auto& [name, e] : r.failed) failed.push_back({{"volume", name}, {"error", e.message()}, {"hint", e.hint()}});
      *context.out << render::dump_json({{"activated", r.activated}, {"failed", failed}});
    } else {
      for (const auto& name : r.activated) *context.out << "Activated " << name << ".\n";
      for (const auto& [name, e] : r.failed) {
        *context.err << "dvol: volume " << name << ": " << e.message() << "\n";
        if (!e.hint().empty()) *context.err << e.hint() << "\n";
      }
    }
    if (!r.failed.empty())
      throw Error(Code::Unavailable, std::to_string(r.failed.size()) + " volume(s) could not be brought up (see above)");
  });
}

}  // namespace dvol::cli
