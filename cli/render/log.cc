#include "cli/render/log.h"

#include <fmt/format.h>

#include <string_view>

#include "src/commit_date.h"

namespace dvol::render {
namespace {

void append_message(std::string& out, std::string_view message) {
  while (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  if (message.empty()) return;
  size_t pos = 0;
  while (true) {
    size_t end = message.find('\n', pos);
    std::string_view line = message.substr(pos, end == std::string_view::npos ? end : end - pos);
    out += "    ";
    out += line;
    out += '\n';
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
}

}  // namespace

std::string render_log(const std::vector<CommitRecord>& commits) {
  std::string out;
  for (const auto& c : commits) {
    out += fmt::format("commit {}\nAuthor: {}\nDate:   {}\n\n", c.id, c.author,
                       format_git_date(c.time, c.utc_offset));
    append_message(out, c.message);
    out += '\n';
  }
  return out;
}

}  // namespace dvol::render
