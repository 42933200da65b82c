// libFuzzer target: commit references (src/ref.h). The input's first line is the reference as
// typed; each further line is a commit id, put by its first byte in the branch's history ('h'),
// in the volume's other commits ('a'), or in both ('b'). parse_ref and resolve_ref must agree
// with a model written here independently of them, throw only dvol::Error with the codes their
// header promises, and never echo a raw control byte.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "src/error.h"
#include "src/ref.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// A message may carry anything the user typed, but only escaped (printable ASCII only).
void check_printable(const dvol::Error& e) {
  for (unsigned char c : e.message()) check(c >= 0x20 && c < 0x7f);
}

bool lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The model: returns whether `text` is a valid reference and, for HEAD forms, the number of
// ancestors (unsigned __int128 so that overflow of the real parser's uint64_t shows).
bool model_parse(std::string_view text, bool& head, unsigned __int128& ancestors) {
  ancestors = 0;
  head = text.substr(0, 4) == "HEAD";
  if (!head) {
    if (text.size() < 4 || text.size() > 40) return false;
    for (char c : text)
      if (!lower_hex(c)) return false;
    return true;
  }
  const unsigned __int128 max = UINT64_MAX;
  for (size_t i = 4; i < text.size();) {
    if (text[i] == '^') {
      ++i;
      if (i < text.size() && text[i] >= '0' && text[i] <= '9') return false;  // ^N: merges only
      ancestors += 1;
    } else if (text[i] == '~') {
      ++i;
      size_t start = i;
      unsigned __int128 n = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        n = n * 10 + static_cast<unsigned>(text[i] - '0');
        if (n > max) return false;
        ++i;
      }
      ancestors += i == start ? 1 : n;
    } else {
      return false;
    }
    if (ancestors > max) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t eol = in.find('\n');
  std::string_view text = in.substr(0, eol);

  bool model_head = false;
  unsigned __int128 model_ancestors = 0;
  bool model_ok = model_parse(text, model_head, model_ancestors);
  dvol::Ref ref;
  try {
    ref = dvol::parse_ref(text);
  } catch (const dvol::Error& e) {
    check(!model_ok);
    check(e.code() == dvol::Code::InvalidArgument);
    check_printable(e);
    return 0;
  }
  check(model_ok);
  check(ref.text == text);
  if (model_head) {
    check(ref.kind == dvol::Ref::Kind::Head && ref.ancestors == model_ancestors && ref.prefix.empty());
  } else {
    check(ref.kind == dvol::Ref::Kind::IdPrefix && ref.prefix == text);
  }

  std::vector<std::string> history, all;
  while (eol != std::string_view::npos) {
    in.remove_prefix(eol + 1);
    eol = in.find('\n');
    std::string_view line = in.substr(0, eol);
    if (line.empty()) continue;
    std::string id(line.substr(1));
    if (line[0] == 'h' || line[0] == 'b') history.push_back(id);
    if (line[0] == 'a' || line[0] == 'b') all.push_back(id);
  }

  // The model of resolution, from ref.h's contract.
  dvol::Code want_code = dvol::Code::Internal;
  std::string want_id;
  if (ref.kind == dvol::Ref::Kind::Head) {
    if (ref.ancestors >= history.size()) want_code = dvol::Code::NotFound;
    else want_id = history[ref.ancestors];
  } else {
    std::set<std::string> matches;
    for (const auto* ids : {&history, &all})
      for (const auto& id : *ids)
        if (id.size() >= ref.prefix.size() && id.compare(0, ref.prefix.size(), ref.prefix) == 0) matches.insert(id);
    if (matches.empty()) want_code = dvol::Code::NotFound;
    else if (matches.size() > 1) want_code = dvol::Code::InvalidArgument;
    else if (std::find(history.begin(), history.end(), *matches.begin()) == history.end())
      want_code = dvol::Code::FailedPrecondition;
    else want_id = *matches.begin();
  }

  try {
    std::string id = dvol::resolve_ref(ref, history, all, "br\x1b");
    check(want_code == dvol::Code::Internal && id == want_id);
  } catch (const dvol::Error& e) {
    check(e.code() == want_code);
    // The branch name and the ids are the caller's (validated, from the store): only the
    // reference, which the user typed, must come back escaped.
    std::string msg = e.message();
    for (size_t p; (p = msg.find("br\x1b")) != std::string::npos;) msg.erase(p, 3);
    bool ids_printable = true;
    for (const auto* ids : {&history, &all})
      for (const auto& id : *ids)
        for (unsigned char c : id) ids_printable = ids_printable && c >= 0x20 && c < 0x7f;
    if (ids_printable)
      for (unsigned char c : msg) check(c >= 0x20 && c < 0x7f);
  }
  return 0;
}
