#include "src/history.h"

namespace dvol {

std::set<std::string> commits_reachable_from_other_branches(MetadataStore& store, const std::string& except) {
  std::set<std::string> out;
  for (const auto& b : store.branches()) {
    if (b.name == except) continue;
    for (const auto& c : store.history(b.name)) out.insert(c.id);
  }
  return out;
}

std::vector<std::string> history_ids(MetadataStore& store, const std::string& branch) {
  std::vector<std::string> out;
  for (const auto& c : store.history(branch)) out.push_back(c.id);
  return out;
}

std::vector<std::string> all_commit_ids(MetadataStore& store) {
  std::vector<std::string> out;
  for (const auto& c : store.commits()) out.push_back(c.id);
  return out;
}

}  // namespace dvol
