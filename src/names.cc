#include "src/names.h"

#include <algorithm>

#include "io/error.h"
#include "src/printable.h"

namespace dvol {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_segment(std::string_view s) {
  if (s.empty() || !is_alnum(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool is_volume_name(std::string_view name) {
  if (name.size() > kMaxVolumeNameBytes) return false;
  size_t slash = name.find('/');
  if (slash == std::string_view::npos) return is_segment(name);
  return is_segment(name.substr(0, slash)) && is_segment(name.substr(slash + 1));
}

bool is_branch_name(std::string_view name) {
  return name.size() <= kMaxBranchNameBytes && name != "HEAD" && is_segment(name);
}

}  // namespace

void validate_volume_name(std::string_view name) {
  if (is_volume_name(name)) return;
  throw Error(Code::InvalidArgument, "'" + printable(name) + "' is not a valid volume name")
      .with_hint(
          "A volume name is one or two segments separated by '/' (e.g. 'mysql' or "
          "'HybridCP/mysql'); each segment starts with a letter or digit followed by letters, "
          "digits, '_', '.' or '-'; at most 128 bytes in all.");
}

void validate_branch_name(std::string_view name) {
  if (is_branch_name(name)) return;
  throw Error(Code::InvalidArgument, "'" + printable(name) + "' is not a valid branch name")
      .with_hint(
          "A branch name starts with a letter or digit followed by letters, digits, '_', '.' "
          "or '-'; at most 64 bytes; 'HEAD' is reserved.");
}

std::string volume_dir_name(std::string_view volume) {
  validate_volume_name(volume);
  std::string dir(volume);
  std::replace(dir.begin(), dir.end(), '/', '+');
  return dir;
}

std::optional<std::string> volume_name_from_dir(std::string_view dir) {
  // A '/' in a directory entry is impossible, but refusing it keeps the mapping one-to-one.
  if (dir.find('/') != std::string_view::npos) return std::nullopt;
  std::string name(dir);
  std::replace(name.begin(), name.end(), '+', '/');
  if (!is_volume_name(name)) return std::nullopt;
  return name;
}

}  // namespace dvol
