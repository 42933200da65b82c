#pragma once
// PoolTransaction: one multi-step change of a volume's pool and store with a single commit
// point (docs/style.md point 10).
//
//   PoolTransaction tx(volume, "reset", /*new_thins=*/1, /*doomed=*/{old});
//   tx.begin();                       // intent written: from here a crash is recoverable
//   ... kernel steps using tx.created()[0] ...
//   tx.commit([&](MetadataStore& s) { ... store changes ... });   // the commit point
//
// Before the commit point, leaving the scope (an error) rolls back: the created thin ids are
// removed and deleted, the pool's transaction id restored (if it was moved), the intent
// cleared, and the checked-out branch mounted again. At the
// commit point the pool's transaction id moves T -> T+1, then one SQLite transaction applies
// the changes with T+1 and marks the intent committed; after it the doomed thin ids are
// deleted (roll forward only).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/store.h"

namespace dvol {

class Volume;

class PoolTransaction {
 public:
  PoolTransaction(Volume& volume, std::string op, int new_thins, std::vector<uint32_t> doomed);
  ~PoolTransaction();  // rolls back if begun and not committed; never throws
  PoolTransaction(const PoolTransaction&) = delete;

  // Allocates the new thin ids and writes the intent, atomically.
  void begin();
  const std::vector<uint32_t>& created() const { return created_; }
  // The commit point; `apply` makes the store changes inside the committing transaction.
  void commit(const std::function<void(MetadataStore&)>& apply);

 private:
  void roll_back() noexcept;

  Volume& volume_;
  std::string op_;
  int new_thins_;
  std::vector<uint32_t> doomed_;
  std::vector<uint32_t> created_;
  uint64_t txn_before_ = 0;
  bool txn_sent_ = false;  // set_transaction_id may have reached the pool
  bool begun_ = false;
  bool committed_ = false;
};

}  // namespace dvol
