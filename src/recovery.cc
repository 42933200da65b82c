#include "src/recovery.h"

#include <cstdio>

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

void recover(Volume& v, uint64_t pool_txn) {
  auto& store = v.store();
  auto intent = store.intent();
  auto record = store.volume();
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
    if (std::getenv("DVOL_DEBUG"))
      std::fprintf(stderr, "dvol: recovered volume %s from an interrupted %s (%s)\n", v.name().c_str(),
                   intent->op.c_str(), intent->committed ? "rolled forward" : "rolled back");
  }
  if (pool_txn != record.transaction_id)
    throw Error(Code::Corruption,
                "the pool of volume " + v.name() + " does not match dvol's metadata",
                "pool transaction id " + std::to_string(pool_txn) + ", metadata " +
                    std::to_string(record.transaction_id));
}

}  // namespace dvol
