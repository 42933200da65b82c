#pragma once
// What a mounted filesystem holds, file by file, with where each file's data lies on the
// device (FIEMAP): the link between changed device blocks and the files that own them.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "io/byte_range.h"

namespace dvol::io {

struct FileInfo {
  mode_t mode = 0;  // type and permissions
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string link_target;         // symlinks
  std::vector<ByteRange> extents;  // regular files: physical ranges on the device, sorted

  bool same_metadata(const FileInfo& o) const {
    return mode == o.mode && uid == o.uid && gid == o.gid && size == o.size && mtime_ns == o.mtime_ns &&
           link_target == o.link_target;
  }
};

// Every file, directory and symlink under `root` (paths relative to it, "a/b.txt"), without
// crossing into other filesystems. lost+found is skipped. Directories get no extents.
std::map<std::string, FileInfo> scan_tree(const std::filesystem::path& root);

// The physical extents of one open regular file (FIEMAP); inline or unknown extents are left
// out (they have no place on the device of their own).
std::vector<ByteRange> file_extents(int fd, const std::string& path);

// True if the two regular files hold the same bytes.
bool same_contents(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace dvol::io
