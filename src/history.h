#pragma once
// Questions about commit histories that several operations ask.
#include <set>
#include <string>
#include <vector>

#include "src/store.h"

namespace dvol {

// Ids of the commits in the history of any branch other than `except`.
std::set<std::string> commits_reachable_from_other_branches(MetadataStore& store, const std::string& except);

// Ids of a branch's history, newest first.
std::vector<std::string> history_ids(MetadataStore& store, const std::string& branch);

// Every commit id of the volume.
std::vector<std::string> all_commit_ids(MetadataStore& store);

}  // namespace dvol
