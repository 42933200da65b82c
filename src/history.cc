#include "src/history.h"

#include "io/error.h"

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

std::set<std::string> ancestry(MetadataStore& store, const std::string& commit) {
  std::set<std::string> out;
  for (std::optional<std::string> at = commit; at;) {
    if (!out.insert(*at).second)
      throw Error(Code::Corruption, "the history of commit " + commit + " loops").with_hint("restore dvol.db from a backup");
    at = store.existing_commit(*at).parent;
  }
  return out;
}

std::vector<std::string> all_commit_ids(MetadataStore& store) {
  std::vector<std::string> out;
  for (const auto& c : store.commits()) out.push_back(c.id);
  return out;
}

std::string resolve_commit_to_delete(MetadataStore& store, const Ref& ref) {
  auto checked_out = store.volume().checked_out;
  auto all = all_commit_ids(store);
  return ref.kind == Ref::Kind::Head ? resolve_ref(ref, history_ids(store, checked_out), all, checked_out)
                                     : resolve_ref(ref, all, all, checked_out);
}

BranchDeletion branch_deletion(MetadataStore& store, const std::string& branch_name) {
  auto branch = store.branch(branch_name);
  if (!branch) throw Error(Code::NotFound, "branch '" + branch_name + "' does not exist");
  if (branch->name == store.volume().checked_out)
    throw Error(Code::FailedPrecondition, "cannot delete branch '" + branch_name + "': it is checked out")
        .with_hint("switch to another branch first with 'dvol checkout BRANCH'");
  BranchDeletion d{*branch, {}, {branch->thin_id}};
  auto elsewhere = commits_reachable_from_other_branches(store, branch->name);
  for (const auto& c : store.history(branch->name)) {
    if (elsewhere.count(c.id)) continue;
    d.dropped.push_back(c.id);
    d.doomed.push_back(c.thin_id);
  }
  return d;
}

}  // namespace dvol
