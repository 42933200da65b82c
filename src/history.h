#pragma once
// Questions about commit histories that several operations ask.
#include <set>
#include <string>
#include <vector>

#include "src/ref.h"
#include "src/store.h"

namespace dvol {

// Ids of the commits in the history of any branch other than `except`.
std::set<std::string> commits_reachable_from_other_branches(MetadataStore& store, const std::string& except);

// Ids of a branch's history, newest first.
std::vector<std::string> history_ids(MetadataStore& store, const std::string& branch);

// `commit` and every commit before it (following parent links); Corruption if they loop.
std::set<std::string> ancestry(MetadataStore& store, const std::string& commit);

// Every commit id of the volume.
std::vector<std::string> all_commit_ids(MetadataStore& store);

// The commit `commit -d REF` deletes: HEAD-style references are relative to the checked-out
// branch; an id may name any commit. Throws as resolve_ref does.
std::string resolve_commit_to_delete(MetadataStore& store, const Ref& ref);

// What `branch -d BRANCH` deletes: the branch, the commits no remaining branch's history
// contains, and their thin devices. Throws NotFound for no such branch, FailedPrecondition for
// the checked-out one.
struct BranchDeletion {
  BranchRecord branch;
  std::vector<std::string> dropped;  // commit ids
  std::vector<uint32_t> doomed;      // the branch's thin device and the dropped commits'
};
BranchDeletion branch_deletion(MetadataStore& store, const std::string& branch_name);

}  // namespace dvol
