#include "src/pool_transaction.h"

#include <cstdio>

#include "io/error.h"
#include "src/volume.h"

namespace dvol {

PoolTransaction::PoolTransaction(Volume& volume, std::string op, int new_thins, std::vector<uint32_t> doomed)
    : volume_(volume), op_(std::move(op)), new_thins_(new_thins), doomed_(std::move(doomed)) {}

void PoolTransaction::begin() {
  auto& store = volume_.store();
  auto txn = store.begin();
  txn_before_ = store.volume().transaction_id;
  for (int i = 0; i < new_thins_; ++i) created_.push_back(store.allocate_thin_id());
  store.put_intent(Intent{op_, txn_before_, created_, doomed_, false, ""});
  txn.commit();
  begun_ = true;
}

void PoolTransaction::commit(const std::function<void(MetadataStore&)>& apply) {
  auto& store = volume_.store();
  // Crash after this message and before the store commits: recovery sees the intent not
  // committed and the pool at T+1, and rolls back to T.
  txn_sent_ = true;  // before sending: a failed send may still have reached the pool
  volume_.pool().send(dm::SetTransactionId{txn_before_, txn_before_ + 1});
  {
    auto txn = store.begin();
    apply(store);
    store.set_transaction_id(txn_before_ + 1);
    store.mark_intent_committed();
    txn.commit();  // the commit point
  }
  committed_ = true;
  // Roll forward: a crash in here leaves a committed intent, and recovery deletes the rest.
  for (uint32_t id : doomed_) {
    volume_.deactivate_thin(id);
    volume_.delete_thin(id, /*missing_ok=*/true);
  }
  store.clear_intent();
  volume_.record_usage();
}

void PoolTransaction::roll_back() noexcept {
  try {
    for (uint32_t id : created_) {
      // A new state the operation already mounted (reset, checkout -b) must stop being
      // served before its device can go; activate() below mounts the branch again.
      volume_.unmount_if_serving(id);
      volume_.deactivate_thin(id);
      volume_.delete_thin(id, /*missing_ok=*/true);
    }
    // Only commit() moves the pool's transaction id (we hold the volume's lock).
    if (txn_sent_) {
      auto pool_txn = volume_.pool().status().transaction_id;
      if (pool_txn != txn_before_) volume_.pool().send(dm::SetTransactionId{pool_txn, txn_before_});
    }
    volume_.store().clear_intent();
    // Serve the checked-out branch again, as before the operation (a volume being created
    // has none yet).
    if (volume_.store().branch(volume_.record().checked_out)) volume_.activate();
  } catch (const std::exception& e) {
    // Recovery at the next command finishes the rollback from the intent.
    std::fprintf(stderr, "dvol: warning: could not fully undo the interrupted %s: %s\n", op_.c_str(), e.what());
  }
}

PoolTransaction::~PoolTransaction() {
  if (begun_ && !committed_) roll_back();
}

}  // namespace dvol
