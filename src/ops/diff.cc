// dvol diff and the "uncommitted changes" test.
#include "src/diff.h"

#include <chrono>
#include <optional>

#include "io/block_compare.h"
#include "io/block_device.h"
#include "io/error.h"
#include "io/file_map.h"
#include "io/filesystem.h"
#include "io/mount.h"
#include "src/candidate_ranges.h"
#include "src/diff_snapshot.h"
#include "src/history.h"
#include "src/read_only_thin.h"
#include "src/ref.h"
#include "src/volume.h"

namespace dvol {

namespace fs = std::filesystem;

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

struct Compared {
  double metadata_ms = 0, compare_ms = 0, files_ms = 0;
  io::CompareResult blocks;
  uint64_t candidate_bytes = 0;
  std::optional<FileReport> files;
};

// Read sizes (see io::CompareBuffers). The full comparison streams whole devices: 512 KiB
// reads, 8 chunks in flight, at most 8 MiB of buffers (as fast as 256 KiB x 32 in the
// benchmark, with half the memory). The candidates are usually a few scattered pool blocks:
// 32 KiB reads, 4 chunks in flight, 256 KiB of buffers reused as reads complete. Small on
// purpose: every buffer page first touched costs a page fault (~0.06 ms under the user-mode
// test kernel), which for a small change costs more than reading it.
constexpr io::CompareBuffers kFullCompareBuffers{512 << 10, 8};
constexpr io::CompareBuffers kCandidateBuffers{32 << 10, 4};

// Compares thin devices `a` and `b` of a locked, live volume. Neither may be written while
// this runs (commits, or the diff's own snapshot of the live branch). With metadata_root,
// their mappings are read from that held metadata snapshot (the diff snapshot's).
Compared compare_thins(Volume& volume, uint32_t a, uint32_t b, std::optional<uint64_t> metadata_root, bool files,
                       bool full, const std::function<void(uint64_t, uint64_t)>& progress,
                       const std::function<bool()>& cancelled) {
  Compared out;
  const io::CompareHooks hooks{progress, cancelled};
  // Live read-only devices for the two states, made only when whole devices are read or
  // mounted; each is removed when this scope ends.
  std::optional<ReadOnlyThin> da, db;
  auto t0 = std::chrono::steady_clock::now();
  if (full) {
    const uint64_t size = volume.record().size_bytes;
    out.candidate_bytes = size;
    da.emplace(volume, a);
    db.emplace(volume, b);
    auto ring = io::IoUring::create(64);
    io::ReadSource sa{io::open_for_reading(da->path()), da->path()};
    io::ReadSource sb{io::open_for_reading(db->path()), db->path()};
    out.blocks = io::compare_ranges(ring, sa, sb, {{0, size}}, hooks, kFullCompareBuffers);
  } else {
    auto candidates = metadata_root ? candidate_pieces(volume, a, b, *metadata_root) : candidate_pieces(volume, a, b);
    out.metadata_ms = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    out.candidate_bytes = candidates.bytes();
    if (!candidates.pieces.empty()) {
      auto ring = io::IoUring::create(64);
      std::string path;
      auto handle = io::open_device_for_reading(candidates.data_device, &path);
      io::ReadSource data{std::move(handle), "the pool's data device " + path};
      out.blocks = io::compare_pieces(ring, data, data, candidates.pieces, hooks, kCandidateBuffers);
    }
  }
  out.compare_ms = ms_since(t0);
  auto t2 = std::chrono::steady_clock::now();
  if (files && !out.blocks.changed.empty()) {
    if (!da) da.emplace(volume, a);
    if (!db) db.emplace(volume, b);
    auto views = volume.paths().dir / "views";
    fs::create_directories(views / "from");
    fs::create_directories(views / "to");
    auto options = io::snapshot_view_options(volume.fs());
    auto from_view = io::Mount::mount(da->path(), views / "from", options);
    auto to_view = io::Mount::mount(db->path(), views / "to", options);
    auto from_scan = io::scan_tree(views / "from");
    auto to_scan = io::scan_tree(views / "to");
    out.files = classify_changes(out.blocks.changed, from_scan, to_scan, [&](const std::string& path) {
      return io::same_contents(views / "from" / path, views / "to" / path);
    });
  } else if (files) {
    out.files = FileReport{};
  }
  out.files_ms = ms_since(t2);
  return out;
}

// Runs `use` on a snapshot of the live branch (see src/diff_snapshot.h), deleted afterwards.
// Adds the time spent taking and deleting it to *snapshot_ms.
template <typename F>
auto with_live_snapshot(Volume& volume, double* snapshot_ms, F&& use) {
  auto t = std::chrono::steady_clock::now();
  std::optional<DiffSnapshot> snapshot;
  snapshot.emplace(volume);
  *snapshot_ms += ms_since(t);
  auto result = use(snapshot->thin_id(), snapshot->metadata_root());
  t = std::chrono::steady_clock::now();
  snapshot.reset();
  *snapshot_ms += ms_since(t);
  return result;
}

}  // namespace

DiffResult diff(Host& host, const DiffRequest& request) {
  auto from_ref = parse_ref(request.from.value_or("HEAD"));
  std::optional<Ref> to_ref;
  if (request.to) to_ref = parse_ref(*request.to);
  const auto opened = std::chrono::steady_clock::now();
  auto volume = Volume::open(host, request.volume);
  require_root("diff");
  auto lock = volume.lock();
  auto& store = volume.store();
  auto branch = store.volume().checked_out;
  auto history = history_ids(store, branch);
  auto all = all_commit_ids(store);
  DiffResult result;
  result.volume = volume.name();
  result.from = store.commit(resolve_ref(from_ref, history, all, branch)).value();
  if (to_ref) result.to = store.commit(resolve_ref(*to_ref, history, all, branch)).value();
  volume.activate();
  result.open_ms = ms_since(opened);

  auto run = [&](uint32_t to_thin, std::optional<uint64_t> metadata_root) {
    return compare_thins(volume, result.from.thin_id, to_thin, metadata_root, request.files, request.full_compare,
                         request.progress, request.cancelled);
  };
  Compared c = result.to ? run(result.to->thin_id, std::nullopt) : with_live_snapshot(volume, &result.snapshot_ms, run);
  result.bytes_changed = c.blocks.bytes_differing;
  result.changed = std::move(c.blocks.changed);
  result.candidate_bytes = c.candidate_bytes;
  result.files = std::move(c.files);
  result.metadata_ms = c.metadata_ms;
  result.compare_ms = c.compare_ms;
  result.files_ms = c.files_ms;
  return result;
}

std::vector<FileChange> uncommitted_changes(Volume& volume) {
  auto branch = volume.store().branch(volume.record().checked_out).value();
  if (!branch.head) return {};
  auto head = volume.store().commit(*branch.head).value();
  double snapshot_ms = 0;
  auto c = with_live_snapshot(volume, &snapshot_ms, [&](uint32_t snap, uint64_t metadata_root) {
    return compare_thins(volume, head.thin_id, snap, metadata_root, /*files=*/true, /*full=*/false, {}, {});
  });
  return c.files ? c.files->files : std::vector<FileChange>{};
}

}  // namespace dvol
