#include "src/branch_move.h"

#include "src/pool_transaction.h"
#include "src/volume.h"

namespace dvol {

void move_branch(Volume& volume, const BranchRecord& branch, const CommitRecord& target, const std::string& op,
                 const std::vector<std::string>& dropped) {
  auto& store = volume.store();
  std::vector<uint32_t> doomed{branch.thin_id};
  for (const auto& d : dropped) doomed.push_back(store.existing_commit(d).thin_id);
  const bool served = store.volume().checked_out == branch.name;
  PoolTransaction tx(volume, op, 1, doomed);
  tx.begin();
  uint32_t fresh = tx.created()[0];
  // The target is a commit: never live, so it needs no suspend to be snapshotted.
  volume.pool().send(dm::CreateSnap{dm::ThinId(fresh), dm::ThinId(target.thin_id)});
  if (served) {
    volume.unmount_branch(branch.thin_id);  // busy: throws, and the rollback remounts it
    volume.mount_branch(fresh);
  }
  tx.commit([&](MetadataStore& s) {
    s.set_branch_thin(branch.name, fresh);
    s.set_branch_head(branch.name, target.id);
    for (const auto& d : dropped) s.remove_commit(d);
  });
}

}  // namespace dvol
