// dvol status and dvol config.
#include <fmt/format.h>

#include <ostream>

#include "cli/commands.h"
#include "cli/render/json.h"
#include "src/error.h"
#include "src/operations.h"
#include "src/ref.h"
#include "src/size_format.h"

namespace dvol::cli {

void register_status(CLI::App& command, Context& context) {
  auto volume = std::make_shared<std::optional<std::string>>();
  add_volume_argument(command, *volume);
  command.callback([&context, volume] {
    auto& host = context.host();
    auto s = status(host, resolve_volume(host, *volume));
    if (context.json) {
      nlohmann::json j{{"volume", s.volume}, {"branch", s.branch}, {"path", s.mountpoint}, {"fs", s.fs},
                       {"size_bytes", s.fs_size_bytes}, {"data_used_bytes", s.data_used_bytes},
                       {"data_total_bytes", s.data_total_bytes}, {"metadata_used_bytes", s.meta_used_bytes},
                       {"metadata_total_bytes", s.meta_total_bytes}, {"containers", s.containers}};
      j["head"] = s.head ? nlohmann::json(s.head->id) : nlohmann::json(nullptr);
      j["uncommitted_changes"] = s.uncommitted ? nlohmann::json(*s.uncommitted) : nlohmann::json(nullptr);
      *context.out << render::dump_json(j);
      return;
    }
    auto& out = *context.out;
    out << "Volume:      " << s.volume << "\n";
    out << "Branch:      " << s.branch << "\n";
    if (s.head) {
      auto first_line = s.head->message.substr(0, s.head->message.find('\n'));
      out << "HEAD:        " << short_id(s.head->id) << " \"" << first_line << "\"\n";
    } else {
      out << "HEAD:        (no commits yet)\n";
    }
    if (s.uncommitted)
      out << "Uncommitted: " << (*s.uncommitted ? "yes (dvol diff -v shows them)" : "no") << "\n";
    out << "Path:        " << s.mountpoint << " (" << s.fs << ", " << format_size(s.fs_size_bytes) << ")\n";
    out << "Containers:  " << (s.containers.empty() ? "(none)" : fmt::format("{}", fmt::join(s.containers, ", "))) << "\n";
    if (s.pool_active) {
      out << fmt::format("Pool data:   {} used of {}\n", format_size(s.data_used_bytes), format_size(s.data_total_bytes));
      out << fmt::format("Pool meta:   {} used of {}\n", format_size(s.meta_used_bytes), format_size(s.meta_total_bytes));
    } else {
      out << fmt::format("Pool data:   {} used (at the last change; run as root for live figures)\n",
                         format_size(s.data_used_bytes));
    }
  });
}

void register_config(CLI::App& command, Context& context) {
  auto list = std::make_shared<bool>(false);
  auto key = std::make_shared<std::optional<std::string>>();
  auto value = std::make_shared<std::optional<std::string>>();
  command.add_flag("-l,--list", *list, "List all settings as key=value");
  command.add_option("KEY", *key, "user.name or user.email");
  command.add_option("VALUE", *value, "New value");
  command.callback([&context, list, key, value] {
    auto& host = context.host();
    if (*list || !*key) {
      auto entries = config_list(host);
      if (context.json) {
        nlohmann::json j = nlohmann::json::object();
        for (auto& [k, v] : entries) j[k] = v;
        *context.out << render::dump_json(j);
      } else {
        for (auto& [k, v] : entries) *context.out << k << "=" << v << "\n";
      }
      return;
    }
    if (*value) {
      config_set(host, **key, **value);
      return;
    }
    auto v = config_get(host, **key);
    if (!v) throw Error(Code::NotFound, "'" + **key + "' is not set");
    *context.out << (context.json ? render::dump_json({{**key, *v}}) : *v + "\n");
  });
}

}  // namespace dvol::cli
