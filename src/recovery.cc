#include "src/recovery.h"

#include "io/error.h"
#include "src/volume.h"

namespace dvol {

namespace {

// Removes the live device and the thin id; both may already be gone after a crash.
void discard_thin(Volume& v, uint32_t id) {
  v.deactivate_thin(id);
  v.delete_thin(id, /*missing_ok=*/true);
}

}  // namespace

std::vector<std::string> recover(Volume& v, const dm::ThinPoolStatus& pool_status) {
  std::vector<std::string> repaired;
  uint64_t pool_txn = pool_status.transaction_id;
  auto& store = v.store();
  auto intent = store.intent();
  auto record = store.volume();
  if (pool_status.held_metadata_root) {
    v.pool().send(dm::ReleaseMetadataSnap{});
    repaired.push_back("released the pool's metadata snapshot that an interrupted diff held");
  }
  if (intent) {
    if (!intent->committed) {
      for (uint32_t id : intent->created) discard_thin(v, id);
      // The pool may have moved to txn_before+1 before the crash: move it back.
      if (pool_txn != intent->txn_before)
        v.pool().send(dm::SetTransactionId{pool_txn, intent->txn_before});
    } else {
      for (uint32_t id : intent->doomed) discard_thin(v, id);
    }
    store.clear_intent();
    pool_txn = v.pool().status().transaction_id;
    repaired.push_back(intent->committed ? "finished an interrupted " + intent->op
                                         : "rolled back an interrupted " + intent->op);
  }
  if (pool_txn != record.transaction_id)
    throw Error(Code::Corruption,
                "the pool of volume " + v.name() + " does not match dvol's metadata",
                "pool transaction id " + std::to_string(pool_txn) + ", metadata " +
                    std::to_string(record.transaction_id));
  return repaired;
}

}  // namespace dvol
