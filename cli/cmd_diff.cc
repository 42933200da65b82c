// dvol diff [-v] [FROM [TO]] [VOLUME]
#include <fmt/format.h>

#include <ostream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/render/json.h"
#include "src/diff.h"
#include "src/error.h"
#include "src/names.h"
#include "src/operations.h"
#include "src/ref.h"
#include "src/size_format.h"

namespace dvol::cli {

namespace {

std::string describe(const std::optional<CommitRecord>& c) {
  if (!c) return "latest uncommitted changes";
  return "\"" + c->message.substr(0, c->message.find('\n')) + "\"";
}

std::string render_text(const DiffResult& r, bool verbose) {
  std::string out;
  // Files whose only change is their metadata (a chmod, an empty file) own no changed data
  // block, but they are changes: never "0 bytes" then (status says there are changes too).
  std::string amount = r.bytes_changed > 0        ? format_size(r.bytes_changed) + " has"
                       : r.files.files.empty() ? "0 bytes have"
                                                 : "Only file metadata has";
  out += fmt::format("{} changed between {} and {}.\n", amount, describe(r.from), describe(r.to));
  if (!verbose) {
    out += "Use dvol diff -v to show changed files.\n";
    return out;
  }
  out += fmt::format("\nChanged blocks ({} range{}, {} bytes):\n", r.changed.size(), r.changed.size() == 1 ? "" : "s",
                     r.block_bytes_changed);
  for (const auto& range : r.changed)
    out += fmt::format("  offset {:>14}  length {:>10}\n", range.offset, format_size(range.length));
  out += "\nChanged files:\n";
  for (const auto& f : r.files.files) out += fmt::format("  {}  {:>9}  {}\n", f.status, format_size(f.bytes), f.path);
  out += fmt::format("     {:>9}  (filesystem bookkeeping, no file)\n", format_size(r.files.bookkeeping_bytes));
  return out;
}

nlohmann::json commit_json(const std::optional<CommitRecord>& c) {
  if (!c) return nullptr;
  return {{"id", c->id}, {"message", c->message}};
}

nlohmann::json render_json(const DiffResult& r) {
  nlohmann::json j{{"volume", r.volume}, {"from", commit_json(r.from)}, {"to", commit_json(r.to)},
                   {"bytes_changed", r.bytes_changed}, {"block_bytes_changed", r.block_bytes_changed},
                   {"bookkeeping_bytes", r.files.bookkeeping_bytes}, {"candidate_bytes", r.candidate_bytes}};
  j["timing_ms"] = {{"open", r.open_ms},         {"snapshot", r.snapshot_ms}, {"metadata", r.metadata_ms},
                    {"compare", r.compare_ms}, {"files", r.files_ms}};
  j["ranges"] = nlohmann::json::array();
  for (const auto& range : r.changed) j["ranges"].push_back({{"offset", range.offset}, {"length", range.length}});
  j["files"] = nlohmann::json::array();
  for (const auto& f : r.files.files)
    j["files"].push_back({{"status", std::string(1, f.status)}, {"path", f.path}, {"bytes", f.bytes}});
  return j;
}

}  // namespace

void register_diff(CLI::App& command, Context& context) {
  auto verbose = std::make_shared<bool>(false);
  auto full = std::make_shared<bool>(false);
  auto args = std::make_shared<std::vector<std::string>>();
  command.add_flag("-v,--verbose", *verbose, "Also show the changed block ranges and the changed files");
  command.add_flag("--full-compare", *full, "Compare the whole devices without the pool's metadata (slow; a reference)");
  command.add_option("ARGS", *args, "[FROM [TO]] [VOLUME]: commits to compare (default HEAD and the live data)")
      ->expected(0, 3);
  command.callback([&context, verbose, full, args] {
    auto& host = context.host();
    DiffRequest request;
    resolve_diff_arguments(host, *args, request);
    request.full_compare = *full;
    TerminalProgress bar("diff");
    request.progress = [&bar](uint64_t done, uint64_t total) { bar.update(done, total); };
    request.cancelled = [&context] { return context.interrupted(); };
    auto result = diff(host, request);
    *context.out << (context.json ? render::dump_json(render_json(result)) : render_text(result, *verbose));
  });
}

}  // namespace dvol::cli
