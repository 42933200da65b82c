// dvol diff and the "uncommitted changes" test.
#include "src/diff.h"

#include <chrono>
#include <optional>

#include "dm/suspended_device.h"
#include "io/block_compare.h"
#include "io/block_device.h"
#include "io/error.h"
#include "io/file_map.h"
#include "io/filesystem.h"
#include "io/mount.h"
#include "src/candidate_ranges.h"
#include "src/history.h"
#include "src/pool_transaction.h"
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

// Read sizes (see io::CompareBuffers). The full comparison streams whole devices: 256 KiB
// reads, 32 chunks in flight, at most 16 MiB of buffers. The candidates are usually a few
// scattered pool blocks: 32 KiB reads, 4 chunks in flight, 256 KiB of buffers reused as reads
// complete. Small on purpose: every buffer page first touched costs page faults (two, with
// O_DIRECT, under the user-mode test kernel, where a fault costs ~0.1 ms), which for a small
// change cost more than reading it.
constexpr io::CompareBuffers kFullCompareBuffers{256 << 10, 32};
constexpr io::CompareBuffers kCandidateBuffers{32 << 10, 4};

// Compares thin devices `a` and `b` of a locked, live volume. Neither may be written while
// this runs (commits, or the diff's own snapshot of the live branch).
Compared compare_thins(Volume& volume, uint32_t a, uint32_t b, bool files, bool full,
                       const std::function<void(uint64_t, uint64_t)>& progress,
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
    auto candidates = candidate_pieces(volume, a, b);
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

// Snapshots the live branch for the duration of a diff, so that containers writing to it
// cannot make the two reads of one block disagree. The snapshot is deleted by the
// transaction's rollback when the scope ends (never committed), or by recovery after a crash.
template <typename F>
auto with_live_snapshot(Volume& volume, F&& use) {
  auto record = volume.record();
  auto branch = volume.store().branch(record.checked_out).value();
  PoolTransaction tx(volume, "diff", 1, {});
  tx.leaves_branch_mounted();
  tx.begin();
  uint32_t snap = tx.created()[0];
  {
    auto suspended = dm::SuspendedDevice::suspend(volume.host().dm, thin_dm_name(record.uid, branch.thin_id));
    volume.pool().send(dm::CreateSnap{dm::ThinId(snap), dm::ThinId(branch.thin_id)});
    suspended.resume();
  }
  return use(snap);
}

}  // namespace

DiffResult diff(Host& host, const DiffRequest& request) {
  auto from_ref = parse_ref(request.from.value_or("HEAD"));
  std::optional<Ref> to_ref;
  if (request.to) to_ref = parse_ref(*request.to);
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

  auto run = [&](uint32_t to_thin) {
    return compare_thins(volume, result.from.thin_id, to_thin, request.files, request.full_compare, request.progress,
                         request.cancelled);
  };
  Compared c = result.to ? run(result.to->thin_id) : with_live_snapshot(volume, run);
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
  auto c = with_live_snapshot(volume, [&](uint32_t snap) {
    return compare_thins(volume, head.thin_id, snap, /*files=*/true, /*full=*/false, {}, {});
  });
  return c.files ? c.files->files : std::vector<FileChange>{};
}

}  // namespace dvol
