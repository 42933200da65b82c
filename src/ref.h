#pragma once
// Commit references as users type them (docs/cli.md): HEAD and its ancestors, or an id prefix.
//
//   HEAD, HEAD^, HEAD^^, HEAD~N, HEAD~ (= HEAD~1), and combinations such as HEAD~2^
//   a full 40-character id, or a unique prefix of at least 4 lowercase hex characters
//
// Parsing is separate from resolution: parse_ref runs before anything is read, resolve_ref needs
// the branch's history and every commit id of the volume.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dvol {

inline constexpr size_t kCommitIdLength = 40;
inline constexpr size_t kMinCommitPrefix = 4;

// A parsed reference. A plain value; `text` is what the user typed, for messages.
struct Ref {
  enum class Kind { Head, IdPrefix };
  Kind kind = Kind::Head;
  uint64_t ancestors = 0;  // Head: how many parents to walk back (HEAD~2 -> 2)
  std::string prefix;      // IdPrefix: 4..40 lowercase hex characters
  std::string text;        // as typed

  bool operator==(const Ref&) const = default;
};

// Throws Error(InvalidArgument, "'<ref>' is not a valid commit reference") with a hint listing
// the accepted forms. Uppercase hex is refused: ids are lowercase.
[[nodiscard]] Ref parse_ref(std::string_view text);

// The same without the error: nullopt if `text` is not a reference (a volume name, say).
[[nodiscard]] std::optional<Ref> try_parse_ref(std::string_view text);

// Returns the full id `ref` names on `branch`.
//   history_newest_first: the branch's history (head first);
//   all_commit_ids: every commit of the volume, to tell "unknown" from "on another branch".
// Errors:
//   NotFound            "branch B has no commits yet" / "branch B has only K commits; HEAD~N does
//   not exist" NotFound            "unknown commit '<ref>'" InvalidArgument     "commit reference
//   '<ref>' is ambiguous" (hint: give more characters) FailedPrecondition  "commit <id7> is not in
//   the history of branch B"
[[nodiscard]] std::string resolve_ref(const Ref& ref,
                                      const std::vector<std::string>& history_newest_first,
                                      const std::vector<std::string>& all_commit_ids,
                                      std::string_view branch);

// The 7-character abbreviation used in messages ("commit fd39db2 ...").
std::string short_id(std::string_view id);

}  // namespace dvol
