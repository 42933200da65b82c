#pragma once
// ThinPool: a handle on one dm thin pool and the thin devices in it. A persistent object:
// the destructor does nothing to the kernel; creating, activating and removing are explicit.
// Not thread-safe; callers serialise through the volume lock.
#include <optional>
#include <string>

#include "dm/control.h"
#include "dm/table.h"

namespace dvol::dm {

class ThinPool {
 public:
  ThinPool(Control& control, DmName name, std::string uuid);

  const DmName& name() const { return name_; }

  // Makes the pool device live with `table`. Absent: creates it (a zeroed metadata device is
  // formatted by the kernel). Present with the same table: nothing. Present with another
  // table: throws FailedPrecondition (someone else's device, or a stale one).
  void activate(const ThinPoolTable& table);
  bool active();
  // Removes the pool device (its thin devices must be removed first). Absent is fine.
  void deactivate();

  // Replaces the live table with `table` (a longer data device after it grew, or the same
  // table to bring back a pool that went read-only): loads it, then suspends and resumes the
  // pool, which makes it live (thin devices on the pool just wait for that instant). On an
  // error before the resume the old table stays live; the pool is never left suspended.
  void reload(const ThinPoolTable& table);

  ThinPoolStatus status();
  // The live table (for the metadata and data devices it names).
  ThinPoolTable table();
  // Sends one message; the pool commits its metadata after each message.
  void send(const PoolMessage& message);
  // "major:minor" of the live pool, as thin tables name it.
  std::string device();

  // Makes thin device `id` of this pool live as `name`, `size` long. Idempotent like
  // activate(); a device of that name with another table is refused.
  void activate_thin(const DmName& name, const std::string& uuid, ThinId id, Sectors size, bool read_only = false);
  ThinStatus thin_status(const DmName& name);

 private:
  Control& control_;
  DmName name_;
  std::string uuid_;
};

// HeldMetadataSnapshot: the pool's metadata snapshot, reserved so that its thin device
// mappings can be read from the metadata device while the pool stays live. Only one can be
// held per pool. The destructor releases it.
class HeldMetadataSnapshot {
 public:
  [[nodiscard]] static HeldMetadataSnapshot reserve(ThinPool& pool);
  HeldMetadataSnapshot(HeldMetadataSnapshot&& o) noexcept;
  HeldMetadataSnapshot& operator=(HeldMetadataSnapshot&&) = delete;
  ~HeldMetadataSnapshot();  // releases; failures are logged, never thrown

  uint64_t root() const { return root_; }  // the metadata block of the held superblock copy
  void release();

 private:
  HeldMetadataSnapshot(ThinPool& pool, uint64_t root) : pool_(&pool), root_(root) {}
  ThinPool* pool_;
  uint64_t root_;
  bool held_ = true;
};

}  // namespace dvol::dm
