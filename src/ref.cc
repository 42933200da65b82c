#include "src/ref.h"

#include <algorithm>
#include <limits>
#include <set>

#include "io/error.h"
#include "src/printable.h"

namespace dvol {
namespace {

Error invalid_ref(std::string_view text, std::string_view why = {}) {
  std::string hint =
      "A commit reference is HEAD, HEAD^, HEAD^^..., HEAD~N, a full commit id, or a unique "
      "prefix of at least 4 characters of one. Commit ids are lowercase hex.";
  if (!why.empty()) hint = std::string(why) + "\n" + hint;
  return Error(Code::InvalidArgument, "'" + printable(text) + "' is not a valid commit reference")
      .with_hint(std::move(hint));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_upper_hex(char c) { return c >= 'A' && c <= 'F'; }

// Adds `n` to `total`, refusing overflow (HEAD~99999999999999999999 is not a reference).
bool add_checked(uint64_t& total, uint64_t n) {
  if (n > std::numeric_limits<uint64_t>::max() - total) return false;
  total += n;
  return true;
}

std::optional<Ref> parse_head(std::string_view text) {
  Ref ref{Ref::Kind::Head, 0, {}, std::string(text)};
  std::string_view rest = text.substr(4);  // after "HEAD"
  while (!rest.empty()) {
    char op = rest.front();
    rest.remove_prefix(1);
    if (op == '^') {
      // git's ^N picks the Nth parent of a merge; dvol commits have one parent, so refuse it.
      if (!rest.empty() && is_digit(rest.front())) return std::nullopt;
      if (!add_checked(ref.ancestors, 1)) return std::nullopt;
    } else if (op == '~') {
      size_t digits = 0;
      while (digits < rest.size() && is_digit(rest[digits])) ++digits;
      uint64_t n = digits == 0 ? 1 : 0;
      for (size_t i = 0; i < digits; ++i) {
        uint64_t d = static_cast<uint64_t>(rest[i] - '0');
        if (n > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
        n = n * 10 + d;
      }
      if (!add_checked(ref.ancestors, n)) return std::nullopt;
      rest.remove_prefix(digits);
    } else {
      return std::nullopt;
    }
  }
  return ref;
}

// The parse itself, without throwing (try_parse_ref asks for many words that are not
// references): the Ref, or why there is none ("" when the general hint says it all).
struct Parsed {
  std::optional<Ref> ref;
  std::string_view why;
};

Parsed parse(std::string_view text) {
  if (text.starts_with("HEAD")) return {parse_head(text), {}};
  if (std::any_of(text.begin(), text.end(), is_upper_hex) &&
      std::all_of(text.begin(), text.end(), [](char c) { return is_lower_hex(c) || is_upper_hex(c); }))
    return {std::nullopt, "Commit ids are lowercase; write the id in lowercase."};
  if (!std::all_of(text.begin(), text.end(), is_lower_hex)) return {std::nullopt, {}};
  if (text.size() < kMinCommitPrefix) return {std::nullopt, "An id prefix needs at least 4 characters."};
  if (text.size() > kCommitIdLength) return {std::nullopt, "A commit id has 40 characters."};
  return {Ref{Ref::Kind::IdPrefix, 0, std::string(text), std::string(text)}, {}};
}

std::string plural_commits(size_t n) {
  return std::to_string(n) + (n == 1 ? " commit" : " commits");
}

}  // namespace

Ref parse_ref(std::string_view text) {
  auto parsed = parse(text);
  if (!parsed.ref) throw invalid_ref(text, parsed.why);
  return std::move(*parsed.ref);
}

std::optional<Ref> try_parse_ref(std::string_view text) { return parse(text).ref; }

std::string short_id(std::string_view id) { return std::string(id.substr(0, 7)); }

std::string resolve_ref(const Ref& ref, const std::vector<std::string>& history,
                        const std::vector<std::string>& all_commit_ids, std::string_view branch) {
  const std::string b(branch);
  if (ref.kind == Ref::Kind::Head) {
    if (history.empty()) throw Error(Code::NotFound, "branch " + b + " has no commits yet");
    if (ref.ancestors >= history.size()) {
      throw Error(Code::NotFound, "branch " + b + " has only " + plural_commits(history.size()) +
                                      "; " + printable(ref.text) + " does not exist");
    }
    return history[ref.ancestors];
  }

  // A set: the same id may arrive in both lists, and must count once.
  std::set<std::string> matches;
  auto collect = [&](const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
      if (id.starts_with(ref.prefix)) matches.insert(id);
    }
  };
  collect(all_commit_ids);
  collect(history);
  if (matches.empty()) {
    throw Error(Code::NotFound, "unknown commit '" + printable(ref.text) + "'");
  }
  if (matches.size() > 1) {
    std::string candidates;
    for (const auto& id : matches) candidates += (candidates.empty() ? "" : ", ") + short_id(id);
    throw Error(Code::InvalidArgument,
                "commit reference '" + printable(ref.text) + "' is ambiguous")
        .with_hint("It matches " + std::to_string(matches.size()) + " commits (" + candidates +
                   "); give more characters of the id.");
  }
  const std::string& id = *matches.begin();
  if (std::find(history.begin(), history.end(), id) == history.end()) {
    throw Error(Code::FailedPrecondition,
                "commit " + short_id(id) + " is not in the history of branch " + b);
  }
  return id;
}

}  // namespace dvol
