#include "src/pool_space.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "io/error.h"
#include "io/file_space.h"
#include "io/mounter.h"
#include "io/run.h"
#include "src/size_format.h"
#include "src/space_policy.h"
#include "src/teardown.h"
#include "src/volume.h"

namespace dvol {

namespace {

const char* kThinToolsHint = "install thin-provisioning-tools (apt-get install thin-provisioning-tools)";

void debug(const std::string& line) {
  if (std::getenv("DVOL_DEBUG")) std::fprintf(stderr, "dvol: %s\n", line.c_str());
}

uint64_t block_bytes(Volume& v) { return v.record().block_sectors * dm::kSectorSize; }

}  // namespace

dm::ThinPoolStatus ensure_pool_room(Volume& v, const dm::ThinPoolStatus& status) {
  auto record = v.record();
  auto live = v.pool().table();
  uint64_t live_bytes = live.length.bytes();
  PoolSpace space{record.size_bytes, std::max(live_bytes, record.data_bytes),
                  status.used_data_blocks.value * block_bytes(v),
                  max_data_bytes(record.size_bytes, record.data_bytes, record.meta_bytes)};
  uint64_t want = record.data_bytes;  // a growth a crash cut short is finished in any case
  if (auto grown = grown_data_bytes(space)) {
    // A longer file is only worth it with room on the host to fill it; on a full host even
    // recording the new length could not be written.
    if (io::free_bytes(v.paths().data) >= kMinFreeBytes) want = std::max(want, *grown);
    else debug("not growing the data of volume " + v.name() + ": its host filesystem is nearly full");
  }
  if (want <= live_bytes) return status;

  // Order for a crash: the file grows first (a longer file than the store records is
  // harmless), then the store records the new length (from here a pool made after a reboot
  // has it; the kernel refuses a data device shorter than one it has seen), then the loop
  // device and the live table follow (a crash before leaves the live table shorter than the
  // store, and the next command comes back here to finish).
  debug("growing the data of volume " + v.name() + " from " + format_size(live_bytes) + " to " + format_size(want));
  io::grow_file(v.paths().data, want);
  if (want != record.data_bytes) v.store().set_data_bytes(want);
  uint64_t loop_bytes = v.host().mounts.refresh_loop_capacity(live.data_dev);
  if (loop_bytes < want)
    throw Error(Code::Io, "the data device of volume " + v.name() + " did not grow",
                live.data_dev + " is " + std::to_string(loop_bytes) + " bytes, expected " + std::to_string(want));
  live.length = dm::Sectors::from_bytes(want);
  v.pool().reload(live);
  return v.pool().status();
}

void require_free_space(Volume& v, const std::string& doing) {
  auto status = v.pool().status();
  uint64_t total = status.total_data_blocks.value * block_bytes(v);
  uint64_t used = status.used_data_blocks.value * block_bytes(v);
  uint64_t pool_free = total - std::min(used, total);
  const std::string frees = "delete commits ('dvol commit -d REF') or branches ('dvol branch -d BRANCH') you no longer need";
  if (pool_free < kMinFreeBytes || status.mode == dm::PoolMode::OutOfDataSpace)
    throw Error(Code::ResourceExhausted,
                "cannot " + doing + ": volume " + v.name() + " is out of space (" + format_size(pool_free) +
                    " free of " + format_size(total) + "; dvol needs " + format_size(kMinFreeBytes) + ")",
                "pool " + v.pool().name().str())
        .with_hint("to free space, " + frees);
  uint64_t host_free = io::free_bytes(v.paths().data);
  if (host_free < kMinFreeBytes)
    throw Error(Code::ResourceExhausted,
                "cannot " + doing + ": the filesystem holding volume " + v.name() + " has only " +
                    format_size(host_free) + " free (dvol needs " + format_size(kMinFreeBytes) + ")",
                v.paths().dir.string())
        .with_hint("free space on the filesystem of " + v.paths().dir.parent_path().parent_path().string() +
                   ", or " + frees);
}

bool short_of_space(Volume& v) {
  return v.pool().status().mode == dm::PoolMode::OutOfDataSpace || io::free_bytes(v.paths().data) < kMinFreeBytes;
}

bool pool_needs_check(const dm::ThinPoolStatus& s) {
  return s.failed || s.needs_check || s.mode == dm::PoolMode::ReadOnly;
}

void take_down_and_check(Volume& v, const dm::ThinPoolStatus& status) {
  std::string why = status.failed ? "failed" : status.needs_check ? "needs_check" : "read-only";
  debug("the pool of volume " + v.name() + " is " + why + ": taking it down to check its metadata");
  // Check the tool first: without it, taking the devices down would only make things worse.
  if (!io::program_exists("thin_check"))
    throw Error(Code::Unsupported, "the pool of volume " + v.name() + " stopped taking writes and thin_check is missing",
                "pool " + v.pool().name().str() + ": " + why)
        .with_hint(kThinToolsHint);
  try {
    teardown_volume_devices(v.host(), v.record().uid, v.paths().dir);
  } catch (Error& e) {
    if (e.code() != Code::Unavailable) throw;
    throw Error(Code::Unavailable,
                "the pool of volume " + v.name() + " stopped taking writes (" + why +
                    ", after a failed write: was the disk full?) and cannot be repaired while its branch is in use",
                e.message())
        .with_hint("stop what uses " + v.paths().mount.string() + " (containers, shells), then run any dvol command again");
  }
  auto r = io::run({"thin_check", "--clear-needs-check-flag", v.paths().meta.string()}, kThinToolsHint);
  if (r.status != 0)
    throw Error(Code::Corruption, "the metadata of volume " + v.name() + " is damaged",
                "thin_check: " + r.err.substr(r.err.size() > 400 ? r.err.size() - 400 : 0))
        .with_hint("repair it by hand: thin_repair -i " + v.paths().meta.string() +
                   " -o NEW.img, then replace meta.img with NEW.img (keep a copy)");
}

}  // namespace dvol
