#pragma once
// Startup recovery: finishes or rolls back an operation that a crash (power cut, kill)
// interrupted, using the intent written to the store before its first kernel change and the
// pool's transaction id (docs/style.md point 10).
//
//   intent not committed  -> roll back: remove and delete the thin ids it created, put the
//                            pool's transaction id back, clear the intent.
//   intent committed      -> roll forward: remove and delete the thin ids it doomed, clear it.
//   no intent             -> the pool's transaction id must equal the store's.
#include <cstdint>

namespace dvol {

class Volume;

// Runs with the volume's lock held and its pool live, whose transaction id the caller has just
// read from the pool's status (passed in to spare a second status call). An inconsistency it
// cannot repair throws Corruption.
void recover(Volume& volume, uint64_t pool_transaction_id);

}  // namespace dvol
