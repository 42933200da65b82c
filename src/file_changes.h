#pragma once
// Which files a set of changed device blocks belongs to, and what happened to each file
// between two states of a filesystem: the file report of `dvol diff -v` and the test behind
// "uncommitted changes". Pure logic: the scans and the content check come from the caller.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "io/byte_range.h"
#include "io/file_map.h"
#include "src/file_report.h"

namespace dvol {

using Scan = std::map<std::string, io::FileInfo>;

// `changed`: sorted, merged device ranges whose content differs between the two states.
// `same_contents(path)`: whether a regular file present on both sides holds the same bytes
// (asked only for files whose blocks changed or whose size or extents differ).
// Directories' own changes (new entries, mtime) are not reported: their entries are.
FileReport classify_changes(const std::vector<io::ByteRange>& changed, const Scan& from, const Scan& to,
                            const std::function<bool(const std::string&)>& same_contents);

// Bytes of `ranges` (sorted, merged) that fall inside `extents` (sorted, may overlap).
uint64_t overlap_bytes(const std::vector<io::ByteRange>& ranges, const std::vector<io::ByteRange>& extents);

}  // namespace dvol
