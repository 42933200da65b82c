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

// The text with every `[include] path = P` followed, in place, by load(P)'s text (expanded in
// turn, at most `depth` levels deep: git's limit against include loops), so that values after
// the include still win over it, as in git. `[includeIf ...]` is left out: its conditions are
// about repositories, and dvol reads no repository's configuration.
using ConfigLoader = std::string (*)(const std::string& path, const void* context);
[[nodiscard]] std::string expand_includes(std::string_view text, ConfigLoader load, const void* context,
                                          int depth = 10);

}  // namespace dvol
