#include "src/remote/remote_url.h"

#include <cctype>

#include "src/error.h"
#include "src/printable.h"

namespace dvol::remote {

namespace {

constexpr const char* kForms = "a remote is s3://BUCKET or s3://BUCKET/PREFIX, or file:///ABSOLUTE/DIRECTORY";

Error bad_url(const std::string& url, const std::string& why) {
  return Error(Code::InvalidArgument, "'" + printable(url) + "' is not a remote URL: " + why).with_hint(kForms);
}

bool printable_path(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// No empty, "." or ".." components, which would make two spellings of one place.
bool clean_components(const std::string& path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    auto part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

RemoteUrl parse_remote_url(const std::string& url) {
  RemoteUrl out;
  if (url.size() > 1024) throw bad_url(url.substr(0, 64) + "...", "it is too long");
  if (!printable_path(url)) throw bad_url(url, "it holds control characters");
  if (url.rfind("s3://", 0) == 0) {
    out.kind = RemoteUrl::Kind::S3;
    std::string rest = url.substr(5);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto slash = rest.find('/');
    out.bucket = rest.substr(0, slash);
    if (slash != std::string::npos) out.prefix = rest.substr(slash + 1);
    // S3's bucket naming rules.
    bool ok = out.bucket.size() >= 3 && out.bucket.size() <= 63 && std::isalnum(static_cast<unsigned char>(out.bucket.front())) &&
              std::isalnum(static_cast<unsigned char>(out.bucket.back()));
    for (unsigned char c : out.bucket)
      if (!(std::islower(c) || std::isdigit(c) || c == '-' || c == '.')) ok = false;
    if (!ok) throw bad_url(url, "'" + printable(out.bucket) + "' is not a bucket name (3 to 63 lowercase letters, digits, '-' and '.')");
    if (!out.prefix.empty() && !clean_components(out.prefix)) throw bad_url(url, "its prefix has an empty, '.' or '..' part");
    out.text = "s3://" + out.bucket + (out.prefix.empty() ? "" : "/" + out.prefix);
    return out;
  }
  if (url.rfind("file://", 0) == 0) {
    out.kind = RemoteUrl::Kind::File;
    std::string path = url.substr(7);
    if (path.empty() || path.front() != '/') throw bad_url(url, "a file URL names an absolute directory (file:///DIR)");
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path != "/" && !clean_components(path.substr(1))) throw bad_url(url, "its path has an empty, '.' or '..' part");
    out.dir = path;
    out.text = "file://" + path;
    return out;
  }
  throw bad_url(url, "it starts with neither s3:// nor file://");
}

void validate_remote_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name.front() != '-' && name.front() != '.';
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) ok = false;
  if (!ok)
    throw Error(Code::InvalidArgument, "'" + printable(name) + "' is not a valid remote name")
        .with_hint("a remote name is 1 to 64 letters, digits, '-', '_' and '.', not starting with '-' or '.'");
}

}  // namespace dvol::remote
