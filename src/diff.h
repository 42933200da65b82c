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
#include "src/file_report.h"
#include "src/host.h"
#include "src/records.h"

namespace dvol {

class Volume;

struct DiffRequest {
  std::string volume;
  std::optional<std::string> from;  // default HEAD
  std::optional<std::string> to;    // default: the live (uncommitted) data
  bool full_compare = false;        // compare the whole devices (no metadata): the reference
  std::function<void(uint64_t done, uint64_t total)> progress;
  std::function<bool()> cancelled;
};

struct DiffResult {
  std::string volume;
  CommitRecord from;
  std::optional<CommitRecord> to;        // nullopt: live data
  // Bytes in 4 KiB blocks whose content differs and that belong to the files a user or a
  // database changed; blocks only the filesystem's bookkeeping changed (a commit's freeze
  // stamp, mount times, the journal, atime) are not counted (files.bookkeeping_bytes).
  uint64_t bytes_changed = 0;
  uint64_t block_bytes_changed = 0;      // every block whose content differs
  std::vector<io::ByteRange> changed;    // those blocks, as device byte ranges
  uint64_t candidate_bytes = 0;          // what the metadata said could differ (what was read)
  FileReport files;                      // which files own the changed blocks
  // Where the time went: opening the volume (its dvol.db, lock and devices), taking and
  // deleting the snapshot of the live data, reading the metadata, comparing, the file report.
  double open_ms = 0, snapshot_ms = 0, metadata_ms = 0, compare_ms = 0, files_ms = 0;
};

DiffResult diff(Host& host, const DiffRequest& request);

// diff's positionals, [FROM [TO]] [VOLUME], told apart by what exists: a last argument that is
// no reference is the volume; one that could be either (a volume named `cafe` or `HEAD`) is the
// volume unless it names a commit of the current volume too, which is refused as ambiguous
// (InvalidArgument, with how to say which). Fills request.from, .to and .volume.
void resolve_diff_arguments(Host& host, std::vector<std::string> args, DiffRequest& request);

// The user-visible changes (A/D/M/m) of the checked-out branch's live data since its HEAD
// commit; empty if none or if it has no commit. For a locked, activated volume. Empty exactly
// when `dvol diff` says that nothing has changed.
std::vector<FileChange> uncommitted_changes(Volume& volume);
inline bool has_uncommitted_changes(Volume& volume) { return !uncommitted_changes(volume).empty(); }

}  // namespace dvol
