#include "dm/thin_pool.h"

#include <cstdio>
#include <optional>

#include "dm/suspended_device.h"
#include "io/error.h"

namespace dvol::dm {

ThinPool::ThinPool(Control& control, DmName name, std::string uuid)
    : control_(control), name_(std::move(name)), uuid_(std::move(uuid)) {}

void ThinPool::activate(const ThinPoolTable& table) {
  if (auto info = control_.info(name_)) {
    auto live = control_.table(name_);
    if (live.size() == 1 && live[0].target == "thin-pool" && ThinPoolTable::parse(live[0]) == table) {
      if (info->suspended) control_.resume(name_);  // left suspended by a crash
      return;
    }
    throw Error(Code::FailedPrecondition,
                "device " + name_.str() + " exists but is not the pool dvol expects",
                live.empty() ? "no table" : live[0].target + " " + live[0].params);
  }
  control_.create(name_, uuid_, {table.line()});
}

bool ThinPool::active() { return control_.info(name_).has_value(); }

void ThinPool::deactivate() { control_.remove(name_); }

void ThinPool::reload(const ThinPoolTable& table) {
  // Load into the inactive slot first: a table the kernel refuses changes nothing.
  control_.reload(name_, {table.line()});
  std::optional<SuspendedDevice> suspended;
  try {
    suspended.emplace(SuspendedDevice::suspend(control_, name_));
  } catch (const Error&) {
    // Not swapped in: drop the staged table, or any later resume (another command's) would.
    try {
      control_.clear_inactive(name_);
    } catch (const Error& e) {
      std::fprintf(stderr, "dvol: warning: could not drop the table staged for %s: %s\n", name_.c_str(), e.what());
    }
    throw;
  }
  suspended->resume();  // the resume swaps the loaded table in
}

ThinPoolStatus ThinPool::status() {
  auto lines = control_.status(name_);
  if (lines.size() != 1) throw Error(Code::Corruption, "pool " + name_.str() + " has an unexpected table");
  return ThinPoolStatus::parse(lines[0].params);
}

ThinPoolTable ThinPool::table() {
  auto lines = control_.table(name_);
  if (lines.size() != 1) throw Error(Code::Corruption, "pool " + name_.str() + " has an unexpected table");
  return ThinPoolTable::parse(lines[0]);
}

void ThinPool::send(const PoolMessage& message) { control_.message(name_, render(message)); }

std::string ThinPool::device() {
  auto info = control_.info(name_);
  if (!info) throw Error(Code::NotFound, "pool " + name_.str() + " is not active");
  return info->major_minor();
}

void ThinPool::activate_thin(const DmName& name, const std::string& uuid, ThinId id, Sectors size, bool read_only) {
  ThinTable want{size, device(), id};
  if (auto info = control_.info(name)) {
    auto live = control_.table(name);
    if (live.size() == 1 && live[0].target == "thin" && ThinTable::parse(live[0]) == want) {
      if (info->suspended) control_.resume(name);
      return;
    }
    throw Error(Code::FailedPrecondition, "device " + name.str() + " exists but is not the thin device dvol expects",
                live.empty() ? "no table" : live[0].target + " " + live[0].params);
  }
  control_.create(name, uuid, {want.line()}, read_only);
}

ThinStatus ThinPool::thin_status(const DmName& name) {
  auto lines = control_.status(name);
  if (lines.size() != 1) throw Error(Code::Corruption, "thin device " + name.str() + " has an unexpected table");
  return ThinStatus::parse(lines[0].params);
}

HeldMetadataSnapshot HeldMetadataSnapshot::reserve(ThinPool& pool) {
  pool.send(ReserveMetadataSnap{});
  // From here on the snapshot is held: release it if reading the root fails.
  HeldMetadataSnapshot held(pool, 0);
  auto status = pool.status();
  if (!status.held_metadata_root)
    throw Error(Code::Internal, "pool " + pool.name().str() + " reports no held metadata root after reserving one");
  held.root_ = *status.held_metadata_root;
  return held;
}

HeldMetadataSnapshot::HeldMetadataSnapshot(HeldMetadataSnapshot&& o) noexcept
    : pool_(o.pool_), root_(o.root_), held_(o.held_) {
  o.held_ = false;
}

void HeldMetadataSnapshot::release() {
  if (!held_) return;
  pool_->send(ReleaseMetadataSnap{});  // failed: still held, and the destructor tries again
  held_ = false;
}

HeldMetadataSnapshot::~HeldMetadataSnapshot() {
  if (!held_) return;
  try {
    pool_->send(ReleaseMetadataSnap{});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dvol: warning: could not release the metadata snapshot of %s: %s\n",
                 pool_->name().c_str(), e.what());
  }
}

}  // namespace dvol::dm
