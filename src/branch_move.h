#pragma once
// Moving a branch to a commit: what reset --hard and pull do once they know the target.
#include <string>
#include <vector>

#include "src/records.h"

namespace dvol {

class Volume;

// Makes `branch` hold commit `target`'s data with `target` as its head, in one PoolTransaction
// named `op`: a new thin snapshot of the commit replaces the branch's thin device (and is
// mounted at the volume's path if the branch is checked out: busy, nothing changes). Commits
// in `dropped` are removed, and their thin devices deleted with the branch's old one. The
// volume is locked and active, its containers stopped.
void move_branch(Volume& volume, const BranchRecord& branch, const CommitRecord& target, const std::string& op,
                 const std::vector<std::string>& dropped);

}  // namespace dvol
