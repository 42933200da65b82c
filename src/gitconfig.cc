#include "src/gitconfig.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace dvol {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The logical lines of the text: a backslash before the newline joins two physical lines.
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::string current;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\\') {
      current.append(line.substr(0, line.size() - 1));
    } else {
      current.append(line);
      lines.push_back(std::move(current));
      current.clear();
    }
    pos = end + 1;
  }
  return lines;
}

// The value after '=': quotes removed, escapes decoded, unquoted comments cut, outer
// whitespace trimmed (whitespace inside quotes kept).
std::string parse_value(std::string_view raw) {
  std::string out;
  bool quoted = false;
  size_t keep = 0;  // length of out that must survive trailing-space trimming
  raw = trim(raw);
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '"') {
      quoted = !quoted;
      keep = out.size();
      continue;
    }
    if (!quoted && (c == '#' || c == ';')) break;
    if (c == '\\' && i + 1 < raw.size()) {
      char e = raw[++i];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'b' ? '\b' : e;
      keep = out.size();
      continue;
    }
    out += c;
    if (quoted || !std::isspace(static_cast<unsigned char>(c))) keep = out.size();
  }
  out.resize(keep);
  return out;
}

// The section a "[...]" line opens, lowercased ("user", "include", "user \"x\""), or nothing.
std::optional<std::string> section_of(std::string_view line) {
  if (line.empty() || line.front() != '[') return std::nullopt;
  size_t close = line.find(']');
  if (close == std::string_view::npos) return "";
  return lower(trim(line.substr(1, close - 1)));
}

}  // namespace

std::string expand_includes(std::string_view text, ConfigLoader load, const void* context, int depth) {
  std::string out;
  bool in_include = false;
  for (const std::string& logical : logical_lines(text)) {
    out += logical;
    out += '\n';
    std::string_view line = trim(logical);
    if (auto section = section_of(line)) {
      in_include = *section == "include";
      line = trim(line.substr(std::min(line.size(), line.find(']') + 1)));
    }
    size_t eq = line.find('=');
    if (!in_include || depth <= 0 || eq == std::string_view::npos || lower(trim(line.substr(0, eq))) != "path") continue;
    // The included text stands in its own sections; then the include section goes on.
    out += "[]\n" + expand_includes(load(parse_value(line.substr(eq + 1)), context), load, context, depth - 1) +
           "\n[include]\n";
  }
  return out;
}

GitIdentity parse_git_identity(std::string_view text) {
  GitIdentity id;
  bool in_user = false;
  for (const std::string& physical : logical_lines(text)) {
    std::string_view line = trim(physical);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      size_t close = line.find(']');
      if (close == std::string_view::npos) {
        in_user = false;
        continue;
      }
      // "[user]" only; "[user "work"]" is a subsection and "[user.x]" a dotted one.
      in_user = lower(trim(line.substr(1, close - 1))) == "user";
      line = trim(line.substr(close + 1));  // git allows "[user] name = x" on one line
      if (line.empty()) continue;
    }
    if (!in_user) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;  // a bare key means "true": not a name
    std::string key = lower(trim(line.substr(0, eq)));
    std::string value = parse_value(line.substr(eq + 1));
    if (key == "name") id.name = value;
    if (key == "email") id.email = value;
  }
  return id;
}

}  // namespace dvol
