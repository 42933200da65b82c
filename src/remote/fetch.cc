// dvol pull and dvol clone: fetch a remote branch's commits the volume lacks, write each into
// a new thin device (sparsely: only the chunks that differ from its parent are written, zeros
// are unmapped), record it as a commit with the same id, and fast-forward the branch.
//
// Each fetched commit is its own PoolTransaction: a crash or error rolls back only the commit
// being written, and the next pull resumes after the last complete one. The branch moves once,
// at the end.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <map>

#include "io/crash_point.h"
#include "io/error.h"
#include "io/files.h"
#include "src/branch_move.h"
#include "src/diff.h"
#include "src/history.h"
#include "src/names.h"
#include "src/operations.h"
#include "src/ops/around_containers.h"
#include "src/pool_space.h"
#include "src/pool_transaction.h"
#include "src/remote/remote_access.h"
#include "src/remote/remote_url.h"
#include "src/remotes.h"
#include "src/volume.h"

namespace dvol {

using namespace remote;

namespace {

struct Fetched {
  RemoteCommit commit;
  Digest object;
};

// What writing one fetched commit over its parent's data takes.
struct CommitPlan {
  std::vector<std::pair<uint64_t, ChunkEntry>> writes;  // volume offset, chunk
  std::vector<uint64_t> zeroed;                          // volume offsets of chunks that became zeros
};

// From the remote's head back to the first commit the volume has (`joins`), or to the root;
// oldest first. Each object is checked against the hash its child names.
std::vector<Fetched> walk_back(Repository& repo, MetadataStore& store, const RemoteRef& head,
                               std::optional<std::string>& joins) {
  std::vector<Fetched> chain;
  std::optional<RemoteRef> at = head;
  while (at) {
    if (store.commit(at->commit)) {
      joins = at->commit;
      break;
    }
    auto c = repo.read_commit(at->commit, at->object);
    chain.push_back({c, at->object});
    at.reset();
    if (c.parent) at = RemoteRef{*c.parent, c.parent_object.value_or(Digest{})};
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

class SegmentCache {
 public:
  explicit SegmentCache(Repository& repo) : repo_(repo) {}
  const Segment& get(const std::optional<Digest>& hash) {
    static const Segment kEmpty;
    if (!hash) return kEmpty;
    auto it = cache_.find(*hash);
    if (it == cache_.end()) it = cache_.emplace(*hash, repo_.read_segment(*hash)).first;
    return it->second;
  }

 private:
  Repository& repo_;
  std::map<Digest, Segment> cache_;
};

CommitPlan plan_commit(SegmentCache& segments, const RemoteCommit& c, const std::optional<RemoteCommit>& parent) {
  CommitPlan plan;
  for (size_t s = 0; s < c.segments.size(); ++s) {
    std::optional<Digest> before = parent && s < parent->segments.size() ? parent->segments[s] : std::nullopt;
    if (before == c.segments[s]) continue;
    std::map<uint32_t, Digest> old;
    for (const auto& e : segments.get(before).entries) old[e.index] = e.hash;
    const uint64_t base = s * kSegmentChunks * kChunkBytes;
    for (const auto& e : segments.get(c.segments[s]).entries) {
      if (base + e.index * kChunkBytes >= c.size_bytes)
        throw Error(Code::Corruption, "commit " + c.id.substr(0, 7) + " on the remote is damaged",
                    "a chunk lies past the volume's end")
            .with_hint("nothing was changed here; dvol remote verify checks every object of the remote");
      auto it = old.find(e.index);
      if (it == old.end() || it->second != e.hash) plan.writes.emplace_back(base + e.index * kChunkBytes, e);
      if (it != old.end()) old.erase(it);
    }
    for (const auto& [index, hash] : old) plan.zeroed.push_back(base + index * kChunkBytes);
  }
  return plan;
}

void write_at(int fd, const std::string& bytes, uint64_t offset, uint64_t limit, const std::string& path) {
  size_t length = static_cast<size_t>(std::min<uint64_t>(bytes.size(), limit - offset));
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::pwrite(fd, bytes.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("write", path, errno);
    done += static_cast<size_t>(n);
  }
}

// Unmaps a chunk that became zeros (a discard of whole pool blocks frees them); where the
// device takes no discards, writes zeros.
void zero_at(int fd, uint64_t offset, uint64_t limit, const std::string& path) {
  uint64_t range[2] = {offset, std::min<uint64_t>(kChunkBytes, limit - offset)};
  if (::ioctl(fd, BLKDISCARD, range) == 0) return;
  write_at(fd, std::string(range[1], '\0'), offset, limit, path);
}

// Writes fetched commit `f` as a new thin device over its parent's (or an empty one) and
// records it as a commit with the same id.
void apply_commit(Volume& volume, Repository& repo, const Fetched& f, const std::optional<CommitRecord>& parent,
                  const CommitPlan& plan, const TransferHooks& hooks, uint64_t& done, uint64_t total) {
  const uint64_t size = volume.record().size_bytes;
  PoolTransaction tx(volume, "pull", 1, {});
  tx.begin();
  const uint32_t fresh = tx.created()[0];
  // A crash from here until the commit point leaves the intent: recovery deletes `fresh`.
  if (parent)
    volume.pool().send(dm::CreateSnap{dm::ThinId(fresh), dm::ThinId(parent->thin_id)});  // a commit: never live
  else
    volume.pool().send(dm::CreateThin{dm::ThinId(fresh)});
  {
    const std::string path = volume.activate_thin(fresh);
    io::Fd fd = io::open_file(path, O_WRONLY);
    std::vector<ChunkEntry> entries;
    for (const auto& w : plan.writes) entries.push_back(w.second);
    repo.read_chunks(entries, [&](const ChunkEntry& e, const std::string& bytes) {
      if (hooks.cancelled && hooks.cancelled()) throw Error(Code::Cancelled, "pull interrupted");
      // `e` is an element of `entries`, which runs parallel to plan.writes.
      const auto& offset = plan.writes[static_cast<size_t>(&e - entries.data())].first;
      write_at(fd.get(), bytes, offset, size, path);
      done += kChunkBytes;
      if (hooks.progress) hooks.progress(done, total);
    });
    for (uint64_t offset : plan.zeroed) zero_at(fd.get(), offset, size, path);
    if (::fsync(fd.get()) != 0) throw sys_error("fsync", path, errno);
  }
  volume.deactivate_thin(fresh);
  io::crash_point("pull: commit");
  CommitRecord c{f.commit.id, fresh, f.commit.parent, f.commit.message, f.commit.author, f.commit.time, f.commit.utc_offset};
  tx.commit([&](MetadataStore& s) { s.add_commit(c); });
}

TransferReport pull_locked(Host& host, const PullRequest& request, bool allow_unborn, StoppedContainers& containers) {
  const auto started = std::chrono::steady_clock::now();
  require_root("pull");
  auto volume = Volume::open(host, request.volume);
  auto lock = volume.lock();
  auto& store = volume.store();
  const auto record = store.volume();
  const std::string branch = request.branch.empty() ? record.checked_out : request.branch;
  validate_branch_name(branch);
  auto access = open_remote_of(volume, request.remote);
  auto& repo = *access.repository;
  repo.check_readable();
  auto ref = repo.read_ref(branch);
  if (!ref.ref)
    throw Error(Code::NotFound, "the remote " + repo.location() + " has no branch " + branch)
        .with_hint("dvol push " + request.remote + " " + branch + " creates it");

  TransferReport report;
  report.remote = repo.location();
  report.branch = branch;
  report.new_commit = ref.ref->commit;
  auto local = store.branch(branch);
  if (local) report.old_commit = local->head;
  if (local && local->head == ref.ref->commit) {
    report.up_to_date = true;
    return report;
  }
  std::optional<std::string> joins;
  auto chain = walk_back(repo, store, *ref.ref, joins);

  // Fast-forwards only: the local head must be in the remote head's history, which is the
  // fetched chain and, below it, local commits (those an interrupted pull fetched included).
  if (local && local->head && !(joins && ancestry(store, *joins).count(*local->head))) {
    if (chain.empty() && joins && ancestry(store, *local->head).count(*joins)) {
      report.up_to_date = true;  // the remote is behind: nothing to pull
      return report;
    }
    throw Error(Code::FailedPrecondition, "branch " + branch + " has commits that " + request.remote + "/" + branch +
                                              " does not have, and dvol never merges data")
        .with_hint("push them first (dvol push), or move them to another branch and reset --hard this one to the "
                   "commit both share");
  }
  if (local && !local->head && !allow_unborn)
    throw Error(Code::FailedPrecondition, "branch " + branch + " has no commits, so pulling would replace its data")
        .with_hint("clone the remote into a new volume instead (dvol clone URL VOLUME), or commit first");
  if (local && local->name != record.checked_out)
    throw Error(Code::FailedPrecondition, "branch " + branch + " is not checked out")
        .with_hint("dvol checkout " + branch + ", then pull");
  for (const auto& f : chain)
    if (f.commit.size_bytes != record.size_bytes || f.commit.fs != record.fs)
      throw Error(Code::FailedPrecondition, "commit " + f.commit.id.substr(0, 7) + " of " + repo.location() +
                                                " is of a different volume (" + f.commit.fs + ", " +
                                                std::to_string(f.commit.size_bytes) + " bytes)")
          .with_hint("clone it into a new volume instead: dvol clone " + access.record.url + " NAME");

  volume.activate();
  // Checked before the transfer and again once the containers are stopped, just before the
  // branch moves: what they wrote meanwhile is not lost either.
  auto refuse_uncommitted = [&] {
    if (local && local->head && has_uncommitted_changes(volume))
      throw Error(Code::FailedPrecondition, "volume " + volume.name() + " has uncommitted changes, which pulling would discard")
          .with_hint("commit them (and push them after the pull is refused), or reset --hard HEAD to drop them");
  };
  if (local && local->head) require_free_space(volume, "pull");
  refuse_uncommitted();

  // Plan every commit first (segments only), so the progress has a total.
  SegmentCache segments(repo);
  std::optional<RemoteCommit> parent_remote;
  if (joins) {
    auto first_parent = chain.empty() ? std::nullopt : chain.front().commit.parent_object;
    if (first_parent) parent_remote = repo.read_commit(*joins, *first_parent);
  }
  std::vector<CommitPlan> plans;
  uint64_t total = 0, done = 0;
  for (const auto& f : chain) {
    plans.push_back(plan_commit(segments, f.commit, parent_remote));
    total += plans.back().writes.size() * kChunkBytes;
    parent_remote = f.commit;
  }

  std::optional<CommitRecord> parent_local;
  if (joins) parent_local = store.existing_commit(*joins);
  for (size_t i = 0; i < chain.size(); ++i) {
    apply_commit(volume, repo, chain[i], parent_local, plans[i], request.hooks, done, total);
    access.state.add_commit(access.repository_id, chain[i].commit.id, chain[i].object);
    parent_local = store.existing_commit(chain[i].commit.id);
    ++report.commits;
  }
  if (joins) access.state.add_commit(access.repository_id, *joins, chain.empty() ? ref.ref->object : *chain.front().commit.parent_object);

  auto target = store.existing_commit(ref.ref->commit);
  if (local) {
    if (local->name == record.checked_out) {
      containers.stop_users(host.containers, volume.name(), request.containers, "pulling");
      refuse_uncommitted();
    }
    move_branch(volume, *local, target, "pull", {});
  } else {
    PoolTransaction tx(volume, "pull-branch", 1, {});
    tx.begin();
    uint32_t fresh = tx.created()[0];
    volume.pool().send(dm::CreateSnap{dm::ThinId(fresh), dm::ThinId(target.thin_id)});
    tx.commit([&](MetadataStore& s) { s.add_branch(BranchRecord{branch, fresh, target.id}); });
  }
  report.bytes_received = repo.counts().bytes_received;
  report.objects_received = repo.counts().objects_received;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace

TransferReport pull(Host& host, const PullRequest& request) {
  return around_containers<TransferReport>(
      [&](StoppedContainers& containers) { return pull_locked(host, request, false, containers); });
}

TransferReport clone(Host& host, const CloneRequest& request) {
  auto url = parse_remote_url(request.url);
  validate_volume_name(request.volume);
  validate_branch_name(request.branch);
  require_root("clone");
  RemoteRecord origin{"origin", url.text, request.endpoint_url};
  PullRequest pull_request{request.volume, "origin", request.branch, ContainerPolicy::Refuse, request.hooks};

  if (volume_exists(host, request.volume)) {
    // A clone interrupted after the volume was made: resume it, if that is what this is.
    auto volume = Volume::open(host, request.volume);
    auto state = RemoteState::open_existing(volume.paths().remotes);
    auto branch = volume.store().branch(request.branch);
    if (!state || state->remote("origin") != origin || !branch || branch->head || volume.store().branches().size() != 1)
      throw Error(Code::AlreadyExists, "volume " + request.volume + " already exists")
          .with_hint("choose another name, or pull into it (dvol pull)");
  } else {
    // Read the remote before making anything: a wrong URL or credentials leave no volume behind.
    Repository repo(open_object_store(origin));
    repo.check_readable();
    auto ref = repo.read_ref(request.branch);
    if (!ref.ref) throw Error(Code::NotFound, "the remote " + repo.location() + " has no branch " + request.branch);
    auto head = repo.read_commit(ref.ref->commit, ref.ref->object);
    InitRequest init{request.volume, head.size_bytes, head.fs, true, request.branch};
    init_volume(host, init);
    RemoteState::open(volume_paths(host.root, request.volume).remotes).add_remote(origin);
  }
  try {
    return around_containers<TransferReport>(
        [&](StoppedContainers& containers) { return pull_locked(host, pull_request, true, containers); });
  } catch (Error& e) {
    e.append_hint("volume " + request.volume + " was made: run the same clone again to resume it, or dvol rm " +
                  request.volume);
    throw;
  }
}

}  // namespace dvol
