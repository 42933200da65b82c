// dvol push: sends the commits of a branch that the remote lacks, then moves the remote branch
// by compare-and-swap.
//
// Order on the remote, so that a reader never sees a ref whose objects are missing: packs of
// chunks first, then each commit's new manifest segments, then the commit object, and the ref
// last. A crash anywhere leaves objects nothing refers to yet (dvol remote gc removes them
// after a grace period); the remote-tracking state records each pack as it arrives, so the
// next push sends only what is still missing.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <chrono>
#include <map>
#include <set>

#include "io/block_device.h"
#include "io/crash_point.h"
#include "io/error.h"
#include "src/read_only_thin.h"
#include "src/remote/changed_chunks.h"
#include "src/remote/remote_access.h"
#include "src/remotes.h"
#include "src/volume.h"

namespace dvol {

using namespace remote;

namespace {

bool all_zero(const std::string& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

void read_exactly(int fd, std::string& buffer, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < buffer.size()) {
    ssize_t n = ::pread(fd, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("read", path, errno);
    if (n == 0) throw Error(Code::Io, "commit device " + path + " ended early");
    done += static_cast<size_t>(n);
  }
}

// One push: the state it builds up while it sends one commit after another.
class Pusher {
 public:
  Pusher(Volume& volume, Repository& repo, RemoteState& state, std::string repository, const TransferHooks& hooks)
      : volume_(volume), repo_(repo), state_(state), repository_(std::move(repository)), hooks_(hooks) {}

  // Sends commit `c` given the commit before it on the remote (nullopt for a root commit) and
  // the chunks that may have changed since; returns its object's hash.
  Digest send(const CommitRecord& c, const std::optional<RemoteCommit>& parent, const std::optional<Digest>& parent_object,
              const std::vector<uint64_t>& chunks, RemoteCommit& sent) {
    const auto record = volume_.record();
    sent = RemoteCommit{};
    sent.id = c.id;
    sent.parent = c.parent;
    sent.parent_object = parent_object;
    sent.message = c.message;
    sent.author = c.author;
    sent.time = c.time;
    sent.utc_offset = c.utc_offset;
    sent.size_bytes = record.size_bytes;
    sent.fs = record.fs;
    sent.data_dir = record.data_dir;
    sent.segments = parent ? parent->segments : std::vector<std::optional<Digest>>(segment_count(record.size_bytes));

    // The chunks, by segment: each touched segment is the parent's with these entries changed.
    std::map<uint64_t, std::map<uint32_t, std::optional<ChunkEntry>>> changes;
    {
      ReadOnlyThin device(volume_, c.thin_id);
      auto handle = io::open_for_reading(device.path(), false);
      std::string buffer;
      for (uint64_t index : chunks) {
        if (hooks_.cancelled && hooks_.cancelled()) throw Error(Code::Cancelled, "push interrupted");
        const uint64_t offset = index * kChunkBytes;
        buffer.resize(std::min(kChunkBytes, record.size_bytes - offset));
        read_exactly(handle.fd.get(), buffer, offset, device.path());
        auto& slot = changes[index / kSegmentChunks][static_cast<uint32_t>(index % kSegmentChunks)];
        if (!all_zero(buffer)) slot = ChunkEntry{static_cast<uint32_t>(index % kSegmentChunks), store_chunk(buffer), {}};
        done_bytes_ += kChunkBytes;
        if (hooks_.progress) hooks_.progress(done_bytes_, total_bytes_);
      }
    }
    // The segments below name where the chunks are: every pack must be there first. The
    // parent's segments that they change are fetched meanwhile.
    flush_pack();
    for (const auto& touched : changes)
      if (sent.segments[touched.first]) segment_of(*sent.segments[touched.first]);
    finish_packs();
    for (auto& [segment, entries] : changes) {
      Segment s;
      if (sent.segments[segment]) s = segment_of(*sent.segments[segment]);
      std::map<uint32_t, ChunkEntry> merged;
      for (const auto& e : s.entries) merged[e.index] = e;
      for (auto& [i, e] : entries) {
        if (!e) {
          merged.erase(i);
          continue;
        }
        e->where = location_of(e->hash);
        merged[i] = *e;
      }
      Segment updated;
      for (const auto& [i, e] : merged) updated.entries.push_back(e);
      if (updated.entries.empty()) {
        sent.segments[segment] = std::nullopt;
        continue;
      }
      auto hash = repo_.write_segment(updated);
      segments_[hash] = std::move(updated);
      sent.segments[segment] = hash;
    }
    io::crash_point("push: commit");
    auto object = repo_.write_commit(sent);
    state_.add_commit(repository_, c.id, object);
    return object;
  }

  void set_total(uint64_t bytes) { total_bytes_ = bytes; }
  uint64_t already_there() const { return already_there_; }

 private:
  // Hashes a chunk; queues it for the pack unless the remote has it. Returns its hash.
  Digest store_chunk(const std::string& bytes) {
    auto hash = io::sha256(bytes);
    if (located_.count(hash) || reused_.count(hash)) {
      already_there_ += bytes.size();
      return hash;
    }
    if (queued_.count(hash)) return hash;
    if (auto known = state_.chunk(repository_, hash); known && reusable(known->pack)) {
      reused_[hash] = *known;
      already_there_ += bytes.size();
      return hash;
    }
    auto at = pack_.add(hash, bytes);
    queued_[hash] = {at.offset, at.stored};
    if (pack_.size() >= kPackBytes) flush_pack();
    return hash;
  }

  // A pack the tracking state names may be one no ref reaches (an interrupted push's), which
  // `dvol remote gc` removes once older than kGcGraceSeconds: reuse it only if the commit this
  // push builds on names it, or it is younger than kReuseSeconds; else send the chunk again.
  bool reusable(const Digest& pack) {
    if (sent_packs_.count(pack) || base_packs_.count(pack)) return true;
    if (auto it = verdicts_.find(pack); it != verdicts_.end()) return it->second;
    auto info = repo_.pack_info(pack);
    bool ok = info && static_cast<int64_t>(::time(nullptr)) - info->modified < kReuseSeconds;
    if (!info) state_.forget_pack(repository_, pack);
    verdicts_[pack] = ok;
    return ok;
  }

  // Starts sending the pack being built. Its chunks are recorded in the tracking state once it
  // has arrived (what resuming relies on); segments name them only after finish_packs().
  void flush_pack() {
    if (pack_.empty()) return;
    auto [bytes, hash] = pack_.finish();
    io::crash_point("push: pack");
    auto& rows = on_their_way_[hash];
    for (const auto& [chunk, at] : queued_) {
      ChunkLocation where{hash, at.first, at.second};
      located_[chunk] = where;
      rows.emplace_back(chunk, where);
    }
    queued_.clear();
    repo_.send_pack(hash, std::move(bytes));
    record(repo_.packs_arrived());
  }

  void finish_packs() { record(repo_.finish_packs()); }

  void record(const std::vector<Digest>& packs) {
    for (const auto& pack : packs) {
      auto it = on_their_way_.find(pack);
      if (it == on_their_way_.end()) continue;
      state_.add_chunks(repository_, it->second);
      sent_packs_.insert(pack);
      on_their_way_.erase(it);
    }
  }

  ChunkLocation location_of(const Digest& chunk) {
    if (auto it = located_.find(chunk); it != located_.end()) return it->second;
    if (auto it = reused_.find(chunk); it != reused_.end()) return it->second;
    throw Error(Code::Internal, "a chunk was neither sent nor found on the remote");
  }

  // A segment of the commit this push builds on: the packs it names are reachable.
  Segment segment_of(const Digest& hash) {
    if (auto it = segments_.find(hash); it != segments_.end()) return it->second;
    auto s = repo_.read_segment(hash);
    for (const auto& e : s.entries) base_packs_.insert(e.where.pack);
    segments_[hash] = s;
    return s;
  }

  Volume& volume_;
  Repository& repo_;
  RemoteState& state_;
  std::string repository_;
  const TransferHooks& hooks_;
  PackBuilder pack_;
  std::map<Digest, std::pair<uint64_t, uint32_t>> queued_;  // in pack_: offset, stored size
  std::map<Digest, ChunkLocation> located_;                  // sent by this push
  std::map<Digest, std::vector<std::pair<Digest, ChunkLocation>>> on_their_way_;  // pack -> its chunks
  std::map<Digest, ChunkLocation> reused_;                   // found on the remote
  std::set<Digest> sent_packs_, base_packs_;
  std::map<Digest, bool> verdicts_;                          // reusable()
  std::map<Digest, Segment> segments_;
  uint64_t done_bytes_ = 0, total_bytes_ = 0, already_there_ = 0;
};

}  // namespace

TransferReport push(Host& host, const PushRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  require_root("push");
  auto volume = Volume::open(host, request.volume);
  auto lock = volume.lock();
  auto& store = volume.store();
  const std::string branch = request.branch.empty() ? store.volume().checked_out : request.branch;
  auto access = open_remote_of(volume, request.remote);
  auto& repo = *access.repository;
  if (!store.branch(branch))
    throw Error(Code::NotFound, "branch '" + branch + "' does not exist").with_hint("dvol branch lists the branches");
  auto history = store.history(branch);  // newest first
  if (history.empty())
    throw Error(Code::FailedPrecondition, "branch " + branch + " has no commits to push").with_hint("commit first: dvol commit -m MESSAGE");
  std::reverse(history.begin(), history.end());

  TransferReport report;
  report.remote = repo.location();
  report.branch = branch;
  report.new_commit = history.back().id;
  auto remote_ref = repo.read_ref(branch);
  // A repository holding this branch, that this volume pushed to or pulled from before, has its
  // description: one request fewer for the common push.
  if (!remote_ref.ref || !access.state.knows(access.repository_id)) repo.prepare_for_writing();

  // Where the remote stands: `base` is the newest commit of ours it has on this branch.
  size_t next = 0;
  std::optional<std::pair<std::string, Digest>> base;
  if (remote_ref.ref) {
    report.old_commit = remote_ref.ref->commit;
    auto it = std::find_if(history.begin(), history.end(), [&](const auto& c) { return c.id == remote_ref.ref->commit; });
    if (it != history.end()) {
      next = static_cast<size_t>(it - history.begin()) + 1;
      base = std::pair{it->id, remote_ref.ref->object};
    } else if (!request.force) {
      throw Error(Code::FailedPrecondition, "rejected: " + request.remote + "/" + branch + " has commits you do not have; pull first")
          .with_hint("dvol pull " + request.remote + " " + branch + " fetches them; or push --force to replace them");
    } else {
      report.forced = true;
    }
  }
  if (next == history.size()) {
    report.up_to_date = true;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
  }
  // With --force, the newest of our commits the remote holds anyway is where sending starts.
  if (!base) {
    for (size_t i = history.size(); i-- > 0;) {
      auto object = access.state.commit_object(access.repository_id, history[i].id);
      // Recorded, and still there (a forced push elsewhere and gc may have removed it since).
      if (object && repo.store().exists(commit_key(history[i].id))) {
        base = std::pair{history[i].id, *object};
        next = i + 1;
        break;
      }
    }
  }

  volume.activate();
  std::vector<ChunkQuery> queries;
  for (size_t i = next; i < history.size(); ++i) {
    std::optional<uint32_t> from;
    if (i > 0 && (i > next || base)) from = history[i - 1].thin_id;
    queries.push_back({from, history[i].thin_id});
  }
  auto chunk_lists = changed_chunks(volume, queries);
  uint64_t total = 0;
  for (const auto& l : chunk_lists) total += l.size() * kChunkBytes;

  Pusher pusher(volume, repo, access.state, access.repository_id, request.hooks);
  pusher.set_total(total);
  std::optional<RemoteCommit> parent;
  std::optional<Digest> parent_object;
  if (base) {
    parent = repo.read_commit(base->first, base->second);
    parent_object = base->second;
  }
  for (size_t i = next; i < history.size(); ++i) {
    const auto& c = history[i];
    RemoteCommit sent;
    parent_object = pusher.send(c, parent, parent_object, chunk_lists[i - next], sent);
    parent = std::move(sent);
    ++report.commits;
  }
  io::crash_point("push: ref");
  if (!repo.update_ref(branch, RemoteRef{history.back().id, *parent_object}, remote_ref))
    throw Error(Code::FailedPrecondition, "rejected: " + request.remote + "/" + branch + " was moved by another push meanwhile; pull first")
        .with_hint("what was sent stays on the remote: pushing again after the pull sends only the rest");
  report.bytes_sent = repo.counts().bytes_sent;
  report.objects_sent = repo.counts().objects_sent;
  report.bytes_received = repo.counts().bytes_received;
  report.objects_received = repo.counts().objects_received;
  report.chunk_bytes_already_there = pusher.already_there();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace dvol
