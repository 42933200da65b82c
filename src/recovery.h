#pragma once
// Startup recovery: finishes or rolls back an operation that a crash (power cut, kill)
// interrupted, using the intent written to the store before its first kernel change and the
// pool's transaction id (docs/style.md point 10).
//
//   intent not committed  -> roll back: remove and delete the thin ids it created, put the
//                            pool's transaction id back, clear the intent.
//   intent committed      -> roll forward: remove and delete the thin ids it doomed, clear it.
//   no intent             -> the pool's transaction id must equal the store's.
//
// A metadata snapshot still held (a diff cut off by a crash: the pool keeps it across reboots)
// is released, and the diff's snapshot of the live data deleted; only dvol reserves them, and
// only under the volume's lock.
#include <string>
#include <vector>

#include "dm/table.h"

namespace dvol {

class Volume;

// What a dvol killed in the middle of a command (SIGKILL: unlike a power cut, its mounts and
// devices stay) left behind, taken down: mounts under the volume's directory other than the
// checked-out branch at mnt/ (read-only views of a diff), whatever is mounted at mnt/ if it is
// not the checked-out branch (a checkout or reset cut off before its commit point), and every
// live thin device of the volume but the checked-out branch's. Run once per command, with the
// volume's lock held and before recover(): only a command holding the lock uses those, and
// recovery cannot delete a thin device that is still mounted. Returns what it took down.
std::vector<std::string> take_down_leftovers(Volume& volume);

// Runs with the volume's lock held and its pool live, whose status the caller has just read
// (passed in to spare a second status call). Returns what it repaired, one sentence each
// (empty: nothing was left to repair). An inconsistency it cannot repair throws Corruption.
std::vector<std::string> recover(Volume& volume, const dm::ThinPoolStatus& pool_status);

}  // namespace dvol
