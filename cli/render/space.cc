#include "cli/render/space.h"

#include <fmt/format.h>

#include "src/size_format.h"

namespace dvol::render {

namespace {

bool continuation_byte(unsigned char c) { return (c & 0xC0) == 0x80; }

// Cut one column short of the STATE column, so that a space always follows it.
std::string state_label(const StateSpace& s) {
  if (s.kind == StateSpace::Kind::Branch) return one_line(s.name + " (live)", kStateColumn - 1);
  return one_line(s.name.substr(0, 7) + " " + s.message, kStateColumn - 1);
}

// Pads `text` (UTF-8) with spaces to `columns` display columns.
std::string padded(const std::string& text, size_t columns) {
  size_t width = 0;
  for (unsigned char c : text)
    if (!continuation_byte(c)) ++width;
  return text + std::string(columns > width ? columns - width : 0, ' ');
}

}  // namespace

std::string one_line(const std::string& message, size_t columns) {
  std::string line = message.substr(0, message.find('\n'));
  for (auto& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  while (!line.empty() && line.back() == ' ') line.pop_back();
  // Keep columns - 1 characters and add "…" if there are more than `columns`.
  size_t chars = 0, cut = std::string::npos;
  for (size_t i = 0; i < line.size(); ++i) {
    if (continuation_byte(static_cast<unsigned char>(line[i]))) continue;
    if (chars == columns - 1) cut = i;
    if (++chars > columns) return line.substr(0, cut) + "…";
  }
  return line;
}

std::string render_space(const SpaceReport& report) {
  std::string out = fmt::format("  {}{:>11}{:>13}\n", padded("STATE", kStateColumn), "EXCLUSIVE", "REFERENCED");
  for (const auto& s : report.states)
    out += fmt::format("{}{}{:>11}{:>13}\n", s.checked_out ? "* " : "  ", padded(state_label(s), kStateColumn),
                       format_size(s.exclusive_bytes), format_size(s.referenced_bytes));
  out += fmt::format("Pool: {} used of {}\n", format_size(report.pool_used_bytes), format_size(report.pool_total_bytes));
  return out;
}

nlohmann::json space_json(const SpaceReport& report) {
  nlohmann::json states = nlohmann::json::array();
  for (const auto& s : report.states) {
    nlohmann::json j = {{"kind", s.kind == StateSpace::Kind::Branch ? "branch" : "commit"},
                        {"name", s.name},
                        {"checked_out", s.checked_out},
                        {"exclusive_bytes", s.exclusive_bytes},
                        {"referenced_bytes", s.referenced_bytes}};
    if (s.kind == StateSpace::Kind::Commit) j["message"] = s.message;
    states.push_back(std::move(j));
  }
  return {{"volume", report.volume},
          {"pool_used_bytes", report.pool_used_bytes},
          {"pool_total_bytes", report.pool_total_bytes},
          {"states", states}};
}

}  // namespace dvol::render
