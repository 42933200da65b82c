// dvol remote verify and dvol remote gc: what the remote's branches reach, checked or kept.
#include <chrono>
#include <ctime>
#include <map>
#include <set>

#include "io/compression.h"
#include "src/error.h"
#include "src/remote/remote_access.h"
#include "src/remotes.h"
#include "src/volume.h"

namespace dvol {

using namespace remote;

namespace {

// Everything the remote's branches reach, each object read (and so checked) once.
struct Reachable {
  size_t branches = 0;
  std::set<std::string> commits;
  std::set<Digest> segments;
  std::map<Digest, std::vector<ChunkEntry>> chunks_by_pack;
};

Reachable walk_remote(Repository& repo) {
  Reachable out;
  for (const auto& listed : repo.store().list("refs/heads/")) {
    const auto branch = listed.key.substr(std::string("refs/heads/").size());
    auto ref = repo.read_ref(branch);
    if (!ref.ref) continue;  // removed meanwhile
    ++out.branches;
    std::optional<RemoteRef> at = *ref.ref;
    while (at && !out.commits.count(at->commit)) {
      auto c = repo.read_commit(at->commit, at->object);
      out.commits.insert(c.id);
      for (const auto& s : c.segments) {
        if (!s || !out.segments.insert(*s).second) continue;
        for (const auto& e : repo.read_segment(*s).entries) out.chunks_by_pack[e.where.pack].push_back(e);
      }
      at.reset();
      if (c.parent) at = RemoteRef{*c.parent, c.parent_object.value_or(Digest{})};
    }
  }
  return out;
}

Error damaged_pack(const std::string& remote, const Digest& pack, const std::string& why) {
  return Error(Code::Corruption, "pack " + io::to_hex(pack).substr(0, 12) + " on the remote " + remote + " is " + why)
      .with_hint("the commits whose data it holds cannot be pulled; push them again from a volume that has them "
                 "(after dvol remote gc, a push sends what is missing)");
}

}  // namespace

VerifyReport verify_remote(Host& host, const std::string& volume_name, const std::string& remote_name) {
  const auto started = std::chrono::steady_clock::now();
  auto volume = Volume::open(host, volume_name);
  auto access = open_remote_of(volume, remote_name);
  auto& repo = *access.repository;
  repo.check_readable();
  auto reachable = walk_remote(repo);
  VerifyReport report;
  report.remote = repo.location();
  report.branches = reachable.branches;
  report.commits = reachable.commits.size();
  report.segments = reachable.segments.size();
  for (const auto& [pack, entries] : reachable.chunks_by_pack) {
    auto stored = repo.store().get(pack_key(pack));
    if (!stored) throw damaged_pack(report.remote, pack, "missing");
    if (io::sha256(stored->data) != pack) throw damaged_pack(report.remote, pack, "damaged (its hash does not match)");
    std::set<uint64_t> seen;
    for (const auto& e : entries) {
      if (!seen.insert(e.where.offset).second) continue;
      if (e.where.offset + e.where.stored_bytes > stored->data.size())
        throw damaged_pack(report.remote, pack, "shorter than its references say");
      std::string data;
      try {
        data = io::decompress(std::string_view(stored->data).substr(e.where.offset, e.where.stored_bytes), kChunkBytes);
      } catch (const Error&) {
        throw damaged_pack(report.remote, pack, "damaged (a chunk does not decompress)");
      }
      if (io::sha256(data) != e.hash) throw damaged_pack(report.remote, pack, "damaged (a chunk's hash does not match)");
      ++report.chunks;
    }
    report.bytes += stored->data.size();
    ++report.packs;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

GcReport gc_remote(Host& host, const std::string& volume_name, const std::string& remote_name, int64_t grace_seconds,
                   bool dry_run) {
  if (grace_seconds < 0) throw Error(Code::InvalidArgument, "the grace period cannot be negative");
  auto volume = Volume::open(host, volume_name);
  auto access = open_remote_of(volume, remote_name);
  auto& repo = *access.repository;
  repo.check_readable();
  // Listed before the walk: an object that appears later is younger than the grace anyway.
  auto listed = repo.store().list("");
  auto reachable = walk_remote(repo);
  std::set<std::string> keep{repository_key()};
  for (const auto& id : reachable.commits) keep.insert(commit_key(id));
  for (const auto& s : reachable.segments) keep.insert(segment_key(s));
  for (const auto& [pack, entries] : reachable.chunks_by_pack) keep.insert(pack_key(pack));
  const int64_t now = static_cast<int64_t>(::time(nullptr));
  GcReport report;
  report.remote = repo.location();
  for (const auto& o : listed) {
    // Only dvol's own kinds of object: anything else under the prefix is not ours to remove.
    bool ours = o.key.rfind("commits/", 0) == 0 || o.key.rfind("segments/", 0) == 0 || o.key.rfind("packs/", 0) == 0;
    if (!ours || keep.count(o.key) || o.key.rfind("refs/", 0) == 0) {
      ++report.kept;
      continue;
    }
    if (now - o.modified < grace_seconds) {
      ++report.too_young;
      continue;
    }
    if (!dry_run) repo.store().remove(o.key);
    ++report.removed;
    report.removed_bytes += o.size;
  }
  return report;
}

}  // namespace dvol
