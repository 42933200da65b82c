#pragma once
// What happened to the files between two states of a branch: the file report of `dvol diff -v`
// and of `dvol status` (computed in src/file_changes.h).
#include <cstdint>
#include <string>
#include <vector>

namespace dvol {

struct FileChange {
  char status = 'M';  // 'A' added, 'D' deleted, 'M' content modified, 'm' metadata only
  std::string path;
  uint64_t bytes = 0;  // changed device bytes in blocks the file owns on either side
  friend bool operator==(const FileChange&, const FileChange&) = default;
};

struct FileReport {
  std::vector<FileChange> files;  // sorted by path
  uint64_t bookkeeping_bytes = 0;  // changed bytes that belong to no reported file
};

}  // namespace dvol
