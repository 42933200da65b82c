#pragma once
// Validation of the names users give to volumes and branches (docs/cli.md, "Names"), and the
// flattening of a volume name into the single directory name that holds its state.
//
//   volume: one or two segments separated by '/', at most 128 bytes
//   branch: one segment, at most 64 bytes, not "HEAD"
//   segment: [A-Za-z0-9][A-Za-z0-9_.-]*
//
// Because a segment cannot start with '.' or '-', a valid name can never be "..", an option, or
// an absolute path, so it is safe to use in paths and argv.
#include <optional>
#include <string>
#include <string_view>

namespace dvol {

inline constexpr size_t kMaxVolumeNameBytes = 128;
inline constexpr size_t kMaxBranchNameBytes = 64;

// Throws Error(InvalidArgument, "'<name>' is not a valid volume name") with a hint stating the
// rule. The name is echoed with non-printable bytes escaped.
void validate_volume_name(std::string_view name);

// Throws Error(InvalidArgument, "'<name>' is not a valid branch name") with a hint stating the
// rule.
void validate_branch_name(std::string_view name);

// The directory name under <root>/volumes for a volume: '/' becomes '+'. '+' is not a legal name
// character, so the mapping is reversible. Throws like validate_volume_name for a bad name.
std::string volume_dir_name(std::string_view volume);

// The inverse of volume_dir_name; nullopt when `dir` is not the flattened form of a valid name
// (so stray directories under the state root are ignored rather than misread).
std::optional<std::string> volume_name_from_dir(std::string_view dir);

}  // namespace dvol
