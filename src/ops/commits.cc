// Operations on commits: commit, log, reset --hard, commit -d.
#include <ctime>

#include "io/error.h"
#include "src/author.h"
#include "src/branch_move.h"
#include "src/commit_date.h"
#include "src/commit_id.h"
#include "src/history.h"
#include "src/live_suspend.h"
#include "src/ops/around_containers.h"
#include "src/operations.h"
#include "src/pool_space.h"
#include "src/pool_transaction.h"
#include "src/ref.h"
#include "src/user_config.h"
#include "src/volume.h"

namespace dvol {

CommitRecord commit(Host& host, const std::string& name, const std::string& message) {
  if (message.empty()) throw Error(Code::InvalidArgument, "you must provide a commit message");
  require_root("commit");  // before reading state: as another user the state is unreadable
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  volume.activate();
  require_free_space(volume, "commit");
  auto& store = volume.store();
  auto record = store.volume();
  auto branch = store.existing_branch(record.checked_out);

  CommitRecord c;
  c.id = new_commit_id();
  c.parent = branch.head;
  c.message = message;
  c.author = default_author(UserConfig::load(host.root));
  c.time = static_cast<int64_t>(::time(nullptr));
  c.utc_offset = local_utc_offset(c.time);

  PoolTransaction tx(volume, "commit", 1, {});
  tx.begin();
  c.thin_id = tx.created()[0];
  {
    // Suspend before create_snap so the origin's mappings are stable; the suspend also
    // freezes and flushes the mounted filesystem, so the snapshot is crash-consistent while
    // containers keep running. Resumed on every path.
    auto suspended = suspend_live_branch(volume, branch.thin_id);
    volume.pool().send(dm::CreateSnap{dm::ThinId(c.thin_id), dm::ThinId(branch.thin_id)});
    suspended.resume();
  }
  tx.commit([&](MetadataStore& s) {
    s.add_commit(c);
    s.set_branch_head(branch.name, c.id);
  });
  return c;
}

std::vector<CommitRecord> log(Host& host, const std::string& name) {
  auto volume = Volume::open(host, name);
  return volume.store().history(volume.record().checked_out);
}

namespace {

ResetResult reset_locked(Host& host, const std::string& name, const std::string& ref_text, ContainerPolicy policy,
                         StoppedContainers& containers) {
  auto ref = parse_ref(ref_text);
  require_root("reset");
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  auto& store = volume.store();
  auto record = store.volume();
  auto branch = store.existing_branch(record.checked_out);
  auto history = history_ids(store, branch.name);
  auto id = resolve_ref(ref, history, all_commit_ids(store), branch.name);
  auto target = store.existing_commit(id);

  // Commits after the target leave this branch's history; free those no other branch has.
  auto elsewhere = commits_reachable_from_other_branches(store, branch.name);
  std::vector<std::string> dropped;
  for (const auto& h : history) {
    if (h == id) break;
    if (!elsewhere.count(h)) dropped.push_back(h);
  }
  volume.activate();
  containers.stop_users(host.containers, volume.name(), policy, "resetting");
  move_branch(volume, branch, target, "reset", dropped);
  ResetResult result;
  result.volume = volume.name();
  result.commit = target;
  result.to_head = ref.kind == Ref::Kind::Head && ref.ancestors == 0;
  return result;
}

}  // namespace

ResetResult reset_hard(Host& host, const std::string& name, const std::string& ref_text, ContainerPolicy policy) {
  return around_containers<ResetResult>([&](StoppedContainers& containers) {
    return reset_locked(host, name, ref_text, policy, containers);
  });
}

std::string delete_commit(Host& host, const std::string& name, const std::string& ref_text) {
  auto ref = parse_ref(ref_text);
  require_root("commit -d");
  auto volume = Volume::open(host, name);
  auto lock = volume.lock();
  auto& store = volume.store();
  auto id = resolve_commit_to_delete(store, ref);
  auto target = store.existing_commit(id);
  volume.activate();
  PoolTransaction tx(volume, "commit-d", 0, {target.thin_id});
  tx.begin();
  tx.commit([&](MetadataStore& s) { s.remove_commit(id); });
  return id;
}

}  // namespace dvol
