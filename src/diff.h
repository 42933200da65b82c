#pragma once
// dvol diff: what changed between two states of a branch, from the pool's metadata (which
// ranges can differ), io_uring (which 4 KiB blocks do differ) and read-only views of both
// states (which files). See docs in README.md, "diff".
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/byte_range.h"
#include "src/file_changes.h"
#include "src/host.h"
#include "src/records.h"

namespace dvol {

class Volume;

struct DiffRequest {
  std::string volume;
  std::optional<std::string> from;  // default HEAD
  std::optional<std::string> to;    // default: the live (uncommitted) data
  bool files = false;               // -v: also the file report
  bool full_compare = false;        // compare the whole devices (no metadata): the reference
  std::function<void(uint64_t done, uint64_t total)> progress;
  std::function<bool()> cancelled;
};

struct DiffResult {
  std::string volume;
  CommitRecord from;
  std::optional<CommitRecord> to;        // nullopt: live data
  uint64_t bytes_changed = 0;            // bytes in 4 KiB blocks whose content differs
  std::vector<io::ByteRange> changed;    // those blocks, as device byte ranges
  uint64_t candidate_bytes = 0;          // what the metadata said could differ (what was read)
  std::optional<FileReport> files;       // with -v
  // Where the time went: opening the volume (its dvol.db, lock and devices), taking and
  // deleting the snapshot of the live data, reading the metadata, comparing, the file report.
  double open_ms = 0, snapshot_ms = 0, metadata_ms = 0, compare_ms = 0, files_ms = 0;
};

DiffResult diff(Host& host, const DiffRequest& request);

// The user-visible changes (A/D/M/m) of the checked-out branch's live data since its HEAD
// commit; empty if none or if it has no commit. For a locked, activated volume.
std::vector<FileChange> uncommitted_changes(Volume& volume);
inline bool has_uncommitted_changes(Volume& volume) { return !uncommitted_changes(volume).empty(); }

}  // namespace dvol
