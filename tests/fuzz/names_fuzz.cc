// libFuzzer target: volume and branch name validation and the volume <-> directory name mapping
// (src/names.h). The whole input is the name. Validation must agree with a model of the rule
// written here (README "Names"), refuse with InvalidArgument and a message holding no raw
// control byte, never accept a name that could escape a directory or pass for an option, and
// volume_dir_name / volume_name_from_dir must be inverse on valid names and one-to-one.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "src/error.h"
#include "src/names.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// [A-Za-z0-9][A-Za-z0-9_.-]*
bool model_segment(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
  }
  return true;
}

bool model_volume(std::string_view s) {
  if (s.size() > 128) return false;
  size_t slashes = 0, start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '/') {
      if (!model_segment(s.substr(start, i - start))) return false;
      start = i + 1;
      if (i < s.size()) ++slashes;
    }
  }
  return slashes <= 1;
}

bool model_branch(std::string_view s) { return s.size() <= 64 && s != "HEAD" && model_segment(s); }

// Whatever the rule says, an accepted name is safe in a path and in argv.
void check_safe(std::string_view s) {
  check(!s.empty() && s.front() != '/' && s.front() != '-' && s.front() != '.');
  check(s.find("/.") == std::string_view::npos && s.find("/-") == std::string_view::npos);
  check(s.find('\0') == std::string_view::npos && s.back() != '/');
}

bool validates(void (*validate)(std::string_view), std::string_view s) {
  try {
    validate(s);
    return true;
  } catch (const dvol::Error& e) {
    check(e.code() == dvol::Code::InvalidArgument);
    for (unsigned char c : e.message()) check(c >= 0x20 && c < 0x7f);
    check(!e.hint().empty());
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);

  bool volume = validates(dvol::validate_volume_name, s);
  check(volume == model_volume(s));
  bool branch = validates(dvol::validate_branch_name, s);
  check(branch == model_branch(s));
  if (volume) check_safe(s);
  if (branch) check_safe(s), check(s.find('/') == std::string_view::npos);

  // Volume name -> directory: defined exactly on valid names, no '/', and reversible.
  std::optional<std::string> dir;
  try {
    dir = dvol::volume_dir_name(s);
  } catch (const dvol::Error& e) {
    check(e.code() == dvol::Code::InvalidArgument);
  }
  check(dir.has_value() == volume);
  if (dir) {
    check(dir->find('/') == std::string::npos && dir->size() == s.size());
    check(dvol::volume_name_from_dir(*dir) == std::optional<std::string>(s));
  }

  // Directory -> volume name: whatever a directory under the state root is called, a name is
  // returned only if it is valid and maps back to that very directory.
  if (auto name = dvol::volume_name_from_dir(s)) {
    check(model_volume(*name));
    check(dvol::volume_dir_name(*name) == s);
  } else {
    std::string flat(s);
    for (char& c : flat) c = c == '+' ? '/' : c;
    check(s.find('/') != std::string_view::npos || !model_volume(flat));
  }
  return 0;
}
