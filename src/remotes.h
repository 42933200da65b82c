#pragma once
// The operations behind dvol remote, push, pull and clone (docs/cli.md, "Remotes"): sharing a
// volume's commits through an S3 bucket or a directory. The format of a remote is in
// src/remote/format.h.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/containers.h"
#include "src/error.h"
#include "src/host.h"

namespace dvol {

struct RemoteInfo {
  std::string name, url, endpoint_url;
};
// NAME's rules are those of branch names; URL is s3://BUCKET[/PREFIX] or file:///DIR.
void add_remote(Host& host, const std::string& volume, const std::string& name, const std::string& url,
                const std::string& endpoint_url);
std::vector<RemoteInfo> list_remotes(Host& host, const std::string& volume);
void remove_remote(Host& host, const std::string& volume, const std::string& name);

// The positionals of push and pull, [REMOTE [BRANCH]] [VOLUME], resolved by what exists: a
// last argument naming a volume (and, with two, not a branch of the current volume) is the
// volume. InvalidArgument for more than three.
struct RemoteArguments {
  std::string remote = "origin";
  std::string branch;  // empty: the checked-out branch
  std::string volume;
};
RemoteArguments resolve_remote_arguments(Host& host, const std::vector<std::string>& args);

// What a transfer did, for the report and --json.
struct TransferReport {
  std::string remote;    // "s3://hub/shop"
  std::string branch;
  std::optional<std::string> old_commit, new_commit;
  bool up_to_date = false;
  bool forced = false;
  size_t commits = 0;  // sent or received
  uint64_t bytes_sent = 0, objects_sent = 0;
  uint64_t bytes_received = 0, objects_received = 0;
  uint64_t chunk_bytes_already_there = 0;  // push: changed data the remote had already
  double seconds = 0;
  std::vector<std::string> restarted, restart_failures;  // pull (ContainerPolicy::Restart)
};

struct TransferHooks {
  std::function<void(uint64_t done, uint64_t total)> progress;  // bytes of volume data
  std::function<bool()> cancelled;
};

struct PushRequest {
  std::string volume;
  std::string remote = "origin";
  std::string branch;  // empty: the checked-out branch
  bool force = false;
  TransferHooks hooks;
};
// Sends the branch's commits the remote lacks, then moves the remote branch (a fast-forward,
// unless force). FailedPrecondition "rejected: ..." when the remote branch has commits this
// branch has not, or another push moved it meanwhile.
TransferReport push(Host& host, const PushRequest& request);

struct PullRequest {
  std::string volume;
  std::string remote = "origin";
  std::string branch;  // empty: the checked-out branch
  ContainerPolicy containers = ContainerPolicy::Refuse;
  TransferHooks hooks;
};
// Fetches the remote branch's commits and fast-forwards the local branch to its head.
TransferReport pull(Host& host, const PullRequest& request);

struct CloneRequest {
  std::string url;
  std::string volume;
  std::string branch = "master";
  std::string endpoint_url;
  TransferHooks hooks;
};
// Creates the volume from the remote branch: every commit with its id, `origin` set, the
// branch checked out. Interrupted, running it again resumes.
TransferReport clone(Host& host, const CloneRequest& request);

// dvol remote verify: reads every object the remote's branches reach and checks each against
// its hash (packs whole, every chunk decompressed). Corruption, naming the first damaged or
// missing object, if one is.
struct VerifyReport {
  std::string remote;
  size_t branches = 0, commits = 0, segments = 0, packs = 0, chunks = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};
VerifyReport verify_remote(Host& host, const std::string& volume, const std::string& remote);

// dvol remote gc: removes the objects no branch of the remote reaches that are older than
// `grace_seconds` (so that a push in progress, whose objects no ref reaches yet, loses
// nothing). With dry_run, only counts.
struct GcReport {
  std::string remote;
  size_t kept = 0, removed = 0, too_young = 0;
  uint64_t removed_bytes = 0;
};
GcReport gc_remote(Host& host, const std::string& volume, const std::string& remote, int64_t grace_seconds,
                   bool dry_run);

}  // namespace dvol
