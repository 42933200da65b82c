// Operations on branches: checkout (-b), branch listing, branch -d.
#include <cstdio>

#include "io/error.h"
#include "src/diff.h"
#include "src/printable.h"
#include "src/history.h"
#include "src/names.h"
#include "src/ops/around_containers.h"
#include "src/operations.h"
#include "src/pool_space.h"
#include "src/pool_transaction.h"
#include "src/volume.h"

namespace dvol {

namespace {

// A new branch starts from HEAD, without the uncommitted data, which the user might think
// lost or taken along: as in the seed, ask for a commit first (or --force).
void refuse_uncommitted_changes(Volume& volume) {
  if (short_of_space(volume))
    throw Error(Code::ResourceExhausted,
                "volume " + volume.name() + " is out of space, so dvol cannot tell whether it has uncommitted changes")
        .with_hint("free space (dvol status shows the pool; delete commits or branches you no longer need), "
                   "or give --force: any changes stay on their branch");
  auto changes = uncommitted_changes(volume);
  if (changes.empty()) return;
  std::string listed;
  for (size_t i = 0; i < changes.size() && i < 5; ++i)
    listed += std::string(i ? ", " : "") + changes[i].status + " " + printable(changes[i].path);
  if (changes.size() > 5) listed += ", ... (" + std::to_string(changes.size()) + " in all; dvol diff -v lists them)";
  throw Error(Code::FailedPrecondition,
              "volume " + volume.name() + " has uncommitted changes. Please commit these before switching branches.")
      .with_hint("changed: " + listed + "\nor give --force: the changes stay on their branch");
}

CheckoutResult checkout_locked(Host& host, const std::string& name, const std::string& branch_name, bool create,
                               bool force, ContainerPolicy policy, StoppedContainers& containers) {
  validate_branch_name(branch_name);
  require_root("checkout");  // before reading state: as another user the state is unreadable
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  auto& store = volume.store();
  auto current = store.existing_branch(store.volume().checked_out);
  CheckoutResult result{volume.name(), branch_name, current.name, create, false, {}, {}};

  if (create) {
    if (store.branch(branch_name))
      throw Error(Code::AlreadyExists, "a branch named '" + branch_name + "' already exists")
          .with_hint("switch to it with 'dvol checkout " + branch_name + "'");
    if (!current.head)
      throw Error(Code::FailedPrecondition, "you must commit ('dvol commit') before you can branch ('dvol checkout -b')");
    auto head = store.existing_commit(*current.head);
    volume.activate();
    require_free_space(volume, "create branch " + branch_name);
    if (!force) refuse_uncommitted_changes(volume);
    containers.stop_users(host.containers, volume.name(), policy, "switching branches");
    PoolTransaction tx(volume, "checkout-b", 1, {});
    tx.begin();
    uint32_t fresh = tx.created()[0];
    volume.pool().send(dm::CreateSnap{dm::ThinId(fresh), dm::ThinId(head.thin_id)});
    volume.unmount_branch(current.thin_id);  // busy: throws, and the rollback remounts it
    volume.mount_branch(fresh);
    tx.commit([&](MetadataStore& s) {
      s.add_branch(BranchRecord{branch_name, fresh, head.id});
      s.set_checked_out(branch_name);
    });
    return result;
  }

  auto target = store.branch(branch_name);
  if (!target)
    throw Error(Code::NotFound, "branch '" + branch_name + "' does not exist")
        .with_hint("create it from HEAD with 'dvol checkout -b " + branch_name + "'");
  volume.activate();
  if (target->name == current.name) return result;
  // Every branch keeps its own live data, so switching loses nothing: say only what stays
  // behind (a database stopped on a branch always leaves its shutdown writes). Out of space,
  // the check cannot take its snapshot: switch without saying.
  if (!force && !short_of_space(volume)) result.left_changes = has_uncommitted_changes(volume);
  containers.stop_users(host.containers, volume.name(), policy, "switching branches");
  // No pool change: the store is updated only once the new branch is mounted, so a crash in
  // between leaves the old branch checked out, and activation mounts it again.
  try {
    volume.unmount_branch(current.thin_id);  // busy: nothing changed
    volume.mount_branch(target->thin_id);
    store.set_checked_out(branch_name);  // fails on a full host filesystem: nothing switched
  } catch (...) {
    // Serve the old branch again (taking the target down if it was mounted), and remove the
    // target's device if it was made live. Should that fail, the next command's activate()
    // mounts the checked-out branch (still the old one) and removes what is left.
    try {
      volume.mount_branch(current.thin_id);
      volume.deactivate_thin(target->thin_id);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dvol: warning: could not mount branch %s again: %s\n", current.name.c_str(), e.what());
    }
    throw;
  }
  return result;
}

}  // namespace

CheckoutResult checkout(Host& host, const std::string& name, const std::string& branch_name, bool create,
                        bool force, ContainerPolicy policy) {
  return around_containers<CheckoutResult>([&](StoppedContainers& containers) {
    return checkout_locked(host, name, branch_name, create, force, policy, containers);
  });
}

BranchList list_branches(Host& host, const std::string& name) {
  auto volume = Volume::open(host, name);
  BranchList out;
  for (const auto& b : volume.store().branches()) out.names.push_back(b.name);
  out.checked_out = volume.record().checked_out;
  return out;
}

void delete_branch(Host& host, const std::string& name, const std::string& branch_name) {
  validate_branch_name(branch_name);
  require_root("branch -d");
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  auto& store = volume.store();
  auto deletion = branch_deletion(store, branch_name);
  volume.activate();
  PoolTransaction tx(volume, "branch-d", 0, deletion.doomed);
  tx.begin();
  tx.commit([&](MetadataStore& s) {
    s.remove_branch(deletion.branch.name);
    for (const auto& d : deletion.dropped) s.remove_commit(d);
  });
}

}  // namespace dvol
