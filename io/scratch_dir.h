#pragma once
// ScratchDir: a private temporary directory (mode 0700, under TMPDIR), removed with its contents
// when the guard goes. For what a helper program reads (mkfs's source tree) or a device node
// made for an instant.
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "io/error.h"

namespace dvol::io {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throw sys_error("create a directory like", pattern, errno);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;  // a leftover in TMPDIR harms nothing
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace dvol::io
