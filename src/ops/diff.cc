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
#include "src/file_changes.h"
#include "src/history.h"
#include "src/operations.h"
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
  FileReport files;
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
// their mappings are read from that held metadata snapshot (the diff snapshot's). When any
// block differs, both states are mounted read-only to tell which files own the changes.
Compared compare_thins(Volume& volume, uint32_t a, uint32_t b, std::optional<uint64_t> metadata_root,
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
  if (!out.blocks.changed.empty()) {
    if (!da) da.emplace(volume, a);
    if (!db) db.emplace(volume, b);
    auto views = volume.paths().dir / "views";
    fs::create_directories(views / "from");
    fs::create_directories(views / "to");
    auto options = io::snapshot_view_options(volume.fs());
    auto from_view = io::Mount::mount(da->path(), views / "from", options);
    auto to_view = io::Mount::mount(db->path(), views / "to", options);
    // What users see: the data directory. The rest of the filesystem is bookkeeping.
    const auto data_dir = volume.record().data_dir;
    const auto from_root = views / "from" / data_dir, to_root = views / "to" / data_dir;
    auto from_scan = io::scan_tree(from_root);
    auto to_scan = io::scan_tree(to_root);
    out.files = classify_changes(out.blocks.changed, from_scan, to_scan, [&](const std::string& path) {
      return io::same_contents(from_root / path, to_root / path);
    });
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
  result.from = store.existing_commit(resolve_ref(from_ref, history, all, branch));
  if (to_ref) result.to = store.existing_commit(resolve_ref(*to_ref, history, all, branch));
  volume.activate();
  result.open_ms = ms_since(opened);

  auto run = [&](uint32_t to_thin, std::optional<uint64_t> metadata_root) {
    return compare_thins(volume, result.from.thin_id, to_thin, metadata_root, request.full_compare, request.progress,
                         request.cancelled);
  };
  Compared c = result.to ? run(result.to->thin_id, std::nullopt) : with_live_snapshot(volume, &result.snapshot_ms, run);
  result.block_bytes_changed = c.blocks.bytes_differing;
  result.bytes_changed = c.blocks.bytes_differing - c.files.bookkeeping_bytes;
  result.changed = std::move(c.blocks.changed);
  result.candidate_bytes = c.candidate_bytes;
  result.files = std::move(c.files);
  result.metadata_ms = c.metadata_ms;
  result.compare_ms = c.compare_ms;
  result.files_ms = c.files_ms;
  return result;
}

namespace {

// True if `text` names a commit of `volume`'s checked-out branch (read-only).
bool names_commit_of(Host& host, const std::string& volume, const std::string& text) {
  try {
    auto v = Volume::open(host, volume);
    auto& store = v.store();
    auto branch = store.volume().checked_out;
    (void)resolve_ref(parse_ref(text), history_ids(store, branch), all_commit_ids(store), branch);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

void resolve_diff_arguments(Host& host, std::vector<std::string> args, DiffRequest& request) {
  const auto usage = "dvol diff [-v] [FROM [TO]] [VOLUME]";
  if (args.size() > 3) throw Error(Code::InvalidArgument, "too many arguments").with_hint(usage);
  std::optional<std::string> volume;
  if (!args.empty()) {
    const std::string last = args.back();
    bool is_volume = args.size() == 3 || !try_parse_ref(last);
    if (!is_volume && names_existing_volume(host, last)) {
      std::optional<std::string> current;
      try {
        current = resolve_volume(host, std::nullopt);
      } catch (const Error&) {  // no current volume: the argument can only be the volume
      }
      if (current && names_commit_of(host, *current, last))
        throw Error(Code::InvalidArgument, "'" + last + "' is both a volume and a commit of volume " + *current)
            .with_hint("for the commit, name the volume after it: dvol diff ... " + last + " " + *current +
                       "\nfor the volume: dvol switch " + last + ", then leave it out");
      is_volume = true;
    }
    if (is_volume) {
      volume = last;
      args.pop_back();
    }
  }
  if (args.size() > 2) throw Error(Code::InvalidArgument, "too many arguments").with_hint(usage);
  if (!args.empty()) request.from = args[0];
  if (args.size() == 2) request.to = args[1];
  request.volume = resolve_volume(host, volume);
}

std::vector<FileChange> uncommitted_changes(Volume& volume) {
  auto branch = volume.store().existing_branch(volume.record().checked_out);
  if (!branch.head) return {};
  auto head = volume.store().existing_commit(*branch.head);
  double snapshot_ms = 0;
  auto c = with_live_snapshot(volume, &snapshot_ms, [&](uint32_t snap, uint64_t metadata_root) {
    return compare_thins(volume, head.thin_id, snap, metadata_root, /*full=*/false, {}, {});
  });
  return c.files.files;
}

}  // namespace dvol
