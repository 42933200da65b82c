#pragma once
// A remote's URL as users write it: s3://BUCKET[/PREFIX] or file:///DIR.
#include <string>

namespace dvol::remote {

struct RemoteUrl {
  enum class Kind { S3, File };
  Kind kind = Kind::File;
  std::string bucket;  // S3
  std::string prefix;  // S3: "" or "a/b" (no slashes at either end)
  std::string dir;     // File: an absolute path
  std::string text;    // canonical: s3://bucket/prefix, file:///dir
};

// InvalidArgument, with the accepted forms as hint, for anything else.
RemoteUrl parse_remote_url(const std::string& url);

// Remote names follow branch names' rules (letters, digits, '-', '_', '.'; no leading '-').
void validate_remote_name(const std::string& name);

}  // namespace dvol::remote
