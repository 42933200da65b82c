// dvol fsck: one paragraph per volume: its figures, what was repaired, what is wrong.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>

#include "cli/commands.h"
#include "cli/render/json.h"
#include "src/error.h"
#include "src/operations.h"

namespace dvol::cli {

namespace {

std::string plural(size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }

void print_report(std::ostream& out, const FsckReport& r) {
  out << fmt::format("{}: {} ({}, {}, pool transaction {})\n", r.volume,
                     r.problems.empty() ? "ok" : plural(r.problems.size(), "problem", "problems"),
                     plural(r.branches, "branch", "branches"), plural(r.commits, "commit", "commits"), r.transaction_id);
  for (const auto& line : r.repaired) out << "  repaired: " << line << "\n";
  for (const auto& line : r.problems) out << "  problem:  " << line << "\n";
}

nlohmann::json to_json(const FsckReport& r) {
  return {{"volume", r.volume},          {"ok", r.problems.empty()}, {"transaction_id", r.transaction_id},
          {"branches", r.branches},      {"commits", r.commits},     {"thin_devices", r.thin_devices},
          {"repaired", r.repaired},      {"problems", r.problems}};
}

}  // namespace

void register_fsck(CLI::App& command, Context& context) {
  auto volume = std::make_shared<std::optional<std::string>>();
  command.add_option("VOLUME", *volume, "The volume to check (default: every volume)");
  command.callback([&context, volume] {
    auto& host = context.host();
    std::vector<FsckReport> reports;
    if (*volume)
      reports.push_back(fsck_volume(host, **volume));
    else
      reports = fsck_all(host);
    size_t problems = 0;
    for (const auto& r : reports) problems += r.problems.size();
    if (context.json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& r : reports) j.push_back(to_json(r));
      *context.out << render::dump_json(j);
    } else {
      if (reports.empty()) *context.out << "No volumes.\n";
      for (const auto& r : reports) print_report(*context.out, r);
    }
    if (problems)
      throw Error(Code::Corruption, plural(problems, "problem", "problems") + " found that dvol could not repair (see above)");
  });
}

}  // namespace dvol::cli
