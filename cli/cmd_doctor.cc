// dvol doctor: prints each check with what is missing and how to fix it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>

#include "cli/commands.h"
#include "src/error.h"
#include "src/doctor.h"

namespace dvol::cli {

void register_doctor(CLI::App& command, Context& context) {
  command.callback([&context] {
    auto checks = run_doctor(context.host());
    bool failed = false;
    for (const auto& c : checks) failed = failed || (!c.ok && c.required);
    if (context.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& c : checks)
        out.push_back({{"name", c.name}, {"ok", c.ok}, {"required", c.required}, {"detail", c.detail}, {"fix", c.fix}});
      *context.out << out.dump(2) << "\n";
    } else {
      for (const auto& c : checks) {
        const char* mark = c.ok ? "ok" : (c.required ? "MISSING" : "optional");
        *context.out << fmt::format("{:<9}{}: {}\n", mark, c.name, c.detail);
        if (!c.ok && !c.fix.empty()) *context.out << fmt::format("{:<9}fix: {}\n", "", c.fix);
      }
    }
    if (failed) throw Error(Code::Unsupported, "this host is missing what dvol needs (see above)");
  });
}

}  // namespace dvol::cli
