#pragma once
// Reading user.name and user.email out of git configuration text (~/.gitconfig), so dvol can
// default a commit's author the way git would, without running git.
#include <optional>
#include <string>
#include <string_view>

namespace dvol {

struct GitIdentity {
  std::optional<std::string> name;
  std::optional<std::string> email;
};

// A small INI parser covering what git writes and people hand-edit: [user] sections (names
// case-insensitive; subsections such as [user "x"] are other sections), `key = value` with
// case-insensitive keys, '#' and ';' comments, double-quoted parts with \" \\ \n \t escapes,
// and a trailing backslash continuing the line. Later values win. Never throws: lines it does
// not understand are skipped, as the text is only a hint for a default.
[[nodiscard]] GitIdentity parse_git_identity(std::string_view text);

}  // namespace dvol
