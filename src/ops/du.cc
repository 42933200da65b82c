// dvol du, and what commit -d and branch -d would free (--dry-run): from the pool's metadata,
// without reading data and without changing anything (see src/space_use.h).
#include <algorithm>

#include "io/error.h"
#include "src/history.h"
#include "src/names.h"
#include "src/operations.h"
#include "src/ref.h"
#include "src/space_use.h"
#include "src/volume.h"

namespace dvol {

namespace {

std::vector<uint32_t> all_thin_ids(MetadataStore& store) {
  std::vector<uint32_t> ids;
  for (const auto& b : store.branches()) ids.push_back(b.thin_id);
  for (const auto& c : store.commits()) ids.push_back(c.thin_id);
  return ids;
}

uint64_t freed_bytes(Volume& volume, const std::vector<uint32_t>& doomed) {
  auto use = read_space_use(volume, all_thin_ids(volume.store()));
  std::vector<dm::ThinId> ids;
  for (uint32_t id : doomed) ids.emplace_back(id);
  return use.sharing.freed_by_deleting(ids) * use.block_bytes;
}

}  // namespace

SpaceReport disk_usage(Host& host, const std::string& name) {
  require_root("du");  // dvol's state and the pool's metadata are root's
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  auto& store = volume.store();
  auto use = read_space_use(volume, all_thin_ids(store));
  auto bytes = [&](uint32_t thin_id, bool exclusive) {
    dm::ThinId id(thin_id);
    return (exclusive ? use.sharing.exclusive(id) : use.sharing.referenced(id)) * use.block_bytes;
  };
  SpaceReport report;
  report.volume = volume.name();
  report.pool_used_bytes = use.pool_used_bytes;
  report.pool_total_bytes = use.pool_total_bytes;
  auto checked_out = volume.record().checked_out;
  auto branches = store.branches();
  // The checked-out branch first, then the others by name; commits newest first.
  std::stable_partition(branches.begin(), branches.end(), [&](const BranchRecord& b) { return b.name == checked_out; });
  for (const auto& b : branches)
    report.states.push_back(StateSpace{StateSpace::Kind::Branch, b.name, "", b.name == checked_out, 0,
                                       bytes(b.thin_id, true), bytes(b.thin_id, false)});
  auto commits = store.commits();  // oldest first: reversed, ties in time stay newest first
  std::reverse(commits.begin(), commits.end());
  std::stable_sort(commits.begin(), commits.end(), [](const CommitRecord& a, const CommitRecord& b) { return a.time > b.time; });
  for (const auto& c : commits)
    report.states.push_back(StateSpace{StateSpace::Kind::Commit, c.id, c.message, false, c.time,
                                       bytes(c.thin_id, true), bytes(c.thin_id, false)});
  return report;
}

uint64_t delete_commit_dry_run(Host& host, const std::string& name, const std::string& ref_text) {
  auto ref = parse_ref(ref_text);
  require_root("commit -d");
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  auto target = volume.store().existing_commit(resolve_commit_to_delete(volume.store(), ref));
  return freed_bytes(volume, {target.thin_id});
}

uint64_t delete_branch_dry_run(Host& host, const std::string& name, const std::string& branch_name) {
  validate_branch_name(branch_name);
  require_root("branch -d");
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  return freed_bytes(volume, branch_deletion(volume.store(), branch_name).doomed);
}

}  // namespace dvol
