#pragma once
// The rows of a volume's metadata store (see store.h). Plain values: copying one changes nothing
// on disk or in the kernel.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dvol {

// One volume: its own thin pool, its size and what is checked out. Exactly one per store.
struct VolumeRecord {
  std::string name;             // "HybridCP/mysql"
  std::string uid;              // 8 hex chars, names the kernel objects (see naming.h)
  std::string fs;               // "ext4" or "xfs"
  uint64_t size_bytes = 0;      // filesystem size every branch sees
  uint32_t block_sectors = 0;   // pool data block size in 512-byte sectors
  uint64_t data_bytes = 0;      // pool data device size
  uint64_t meta_bytes = 0;      // pool metadata device size
  std::string checked_out;      // branch name
  uint64_t transaction_id = 0;  // the pool's transaction id as of the last committed change
  uint32_t next_thin_id = 0;    // next thin id to hand out (24-bit space)
  int64_t created = 0;          // unix seconds
  uint64_t used_bytes = 0;      // pool data in use at the last change, in bytes
  // The directory of every branch's filesystem that users and containers get (`dvol path`):
  // "data", so that what they see is empty in a new volume (a filesystem's root holds
  // lost+found). Empty in volumes made before it existed (store schema 1): the whole filesystem.
  std::string data_dir;

  bool operator==(const VolumeRecord&) const = default;
};

// A branch: a writable thin device, and the commit it was last committed or reset to.
struct BranchRecord {
  std::string name;
  uint32_t thin_id = 0;
  std::optional<std::string> head;  // nullopt until the first commit

  bool operator==(const BranchRecord&) const = default;
};

// A commit: a read-only thin snapshot plus its message.
struct CommitRecord {
  std::string id;  // 40 lowercase hex
  uint32_t thin_id = 0;
  std::optional<std::string> parent;  // nullopt for a root commit
  std::string message;                // byte for byte as given
  std::string author;                 // "Name <email>"
  int64_t time = 0;                   // unix seconds
  int32_t utc_offset = 0;             // seconds east of UTC at commit time

  bool operator==(const CommitRecord&) const = default;
};

// A multi-step kernel operation in flight, written before its first kernel change so that
// startup recovery knows whether to roll back (not committed: delete `created`) or forward
// (committed: delete `doomed`).
struct Intent {
  std::string op;                 // "commit", "reset", ...
  uint64_t txn_before = 0;        // pool transaction id before the operation
  std::vector<uint32_t> created;  // thin ids the operation creates
  std::vector<uint32_t> doomed;   // thin ids to delete once committed
  bool committed = false;
  std::string detail;  // free text for diagnostics

  bool operator==(const Intent&) const = default;
};

}  // namespace dvol
