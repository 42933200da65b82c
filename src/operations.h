#pragma once
// The operations behind every dvol command. Each takes a typed request, validates everything
// before it changes anything (a refused command changes nothing), takes the locks it needs,
// and returns a typed result for the CLI or the plugin to render. Errors are dvol::Error.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "src/containers.h"
#include "src/error.h"
#include "src/host.h"
#include "src/records.h"

namespace dvol {

// ---- volumes ----
struct InitRequest {
  std::string volume;
  uint64_t size_bytes = 10ull << 30;
  std::string fs = "ext4";
  bool make_current = true;  // the plugin creates volumes without changing the user's current one
  std::string branch = "master";  // the first branch (a clone names the remote's)
};
// Creates the volume (pool, master branch, empty filesystem, mounted) and makes it current.
void init_volume(Host& host, const InitRequest& request);

struct VolumeSummary {
  std::string name;
  uint64_t size_bytes = 0;  // space really used on the host (pool data in use)
  size_t branches = 0;
  std::string branch;       // checked out
  bool current = false;
  std::string mountpoint;
  std::vector<std::string> containers;  // running containers that use it (filled by list_volumes)
  std::optional<CommitRecord> head;     // of the checked-out branch
  std::string fs;
  uint64_t fs_size_bytes = 0;
};
// Every volume, sorted by name. Does not need root (sizes then come from the last change).
// A volume that cannot be read (a damaged database, a missing pool file, no thin-pool support
// in the kernel) is left out and its error added to `unreadable`, so that one broken volume
// never hides the others.
std::vector<VolumeSummary> list_volumes(Host& host, std::vector<Error>* unreadable = nullptr);
// True if the volume exists; throws InvalidArgument for a name dvol would refuse.
bool volume_exists(Host& host, const std::string& volume);
// The same for text that may be anything (a positional argument): false for an invalid name.
bool names_existing_volume(Host& host, const std::string& text);
// Per volume whose checked-out branch is mounted, how many other mount namespaces (containers)
// hold its filesystem now. The plugin rebuilds its mount counts from this at start-up.
std::map<std::string, size_t> volume_holders(Host& host);
// One volume's summary (the plugin's Get).
VolumeSummary describe_volume(Host& host, const std::string& volume);

// The current volume, or `given` if not empty (validated). Throws if neither.
std::string resolve_volume(Host& host, const std::optional<std::string>& given);
void switch_volume(Host& host, const std::string& volume);

// Destroys a volume and all its data. Refuses while running containers use it.
void remove_volume(Host& host, const std::string& volume);

// The host path where the checked-out branch is mounted (mounting it if needed).
std::string volume_path(Host& host, const std::string& volume);

// After a boot: brings every volume up (pool, recovery, its checked-out branch mounted at its
// path), so that containers and bind mounts of `dvol path` started afterwards see their data,
// never the bare directory underneath. One volume that cannot be brought up does not keep the
// others down: each is tried, and what failed is returned (volume name, error).
struct ActivationResult {
  std::vector<std::string> activated;
  std::vector<std::pair<std::string, Error>> failed;
};
ActivationResult activate_all_volumes(Host& host);

// ---- checking ----
struct FsckReport {
  std::string volume;
  uint64_t transaction_id = 0;
  size_t branches = 0, commits = 0, thin_devices = 0;
  std::vector<std::string> repaired;  // what was repaired, one sentence each
  std::vector<std::string> problems;  // what is wrong and was left alone
};
// Checks one volume after a crash or a surprise: finishes or rolls back an interrupted
// operation (as every command does), releases a metadata snapshot left held, checks that the
// pool's thin devices are exactly the branches' and commits' (deleting ones nothing uses,
// once the pool's transaction id agrees with the metadata), mounts the checked-out branch,
// and mounts every other branch and commit read-only to see that its filesystem mounts.
FsckReport fsck_volume(Host& host, const std::string& volume);
// Every volume, sorted by name, after sweeping away half-created and half-removed ones.
std::vector<FsckReport> fsck_all(Host& host);

// ---- commits ----
CommitRecord commit(Host& host, const std::string& volume, const std::string& message);
std::vector<CommitRecord> log(Host& host, const std::string& volume);

struct ResetResult {
  std::string volume;
  CommitRecord commit;
  bool to_head = false;
  std::vector<std::string> restarted, restart_failures;  // containers (ContainerPolicy::Restart)
};
// Refuses while running containers use the volume, unless `containers` is Restart.
ResetResult reset_hard(Host& host, const std::string& volume, const std::string& ref,
                       ContainerPolicy containers = ContainerPolicy::Refuse);

// Deletes one commit everywhere; returns its id.
std::string delete_commit(Host& host, const std::string& volume, const std::string& ref);

// ---- branches ----
struct CheckoutResult {
  std::string volume;
  std::string branch;
  std::string from_branch;
  bool created = false;
  bool left_changes = false;  // the branch switched away from keeps uncommitted changes
  std::vector<std::string> restarted, restart_failures;  // containers (ContainerPolicy::Restart)
};
// With `create`, refuses (FailedPrecondition) when the checked-out branch has uncommitted
// changes, unless `force`. Switching to an existing branch always goes ahead: uncommitted
// changes stay on their branch (left_changes says so). Both refuse while running containers
// use the volume, unless `containers` is Restart.
CheckoutResult checkout(Host& host, const std::string& volume, const std::string& branch, bool create,
                        bool force = false, ContainerPolicy containers = ContainerPolicy::Refuse);

struct BranchList {
  std::vector<std::string> names;  // sorted
  std::string checked_out;
};
BranchList list_branches(Host& host, const std::string& volume);
void delete_branch(Host& host, const std::string& volume, const std::string& branch);

// ---- space ----
// One state of a volume and the pool space it takes, in bytes: REFERENCED is what it maps,
// EXCLUSIVE what only it maps (what deleting it alone frees).
struct StateSpace {
  enum class Kind { Branch, Commit };
  Kind kind = Kind::Branch;
  std::string name;     // branch name, or commit id
  std::string message;  // commits
  bool checked_out = false;
  int64_t time = 0;     // commits
  uint64_t exclusive_bytes = 0;
  uint64_t referenced_bytes = 0;
};
struct SpaceReport {
  std::string volume;
  std::vector<StateSpace> states;  // the checked-out branch, the other branches, commits newest first
  uint64_t pool_used_bytes = 0, pool_total_bytes = 0;
};
// From the pool's metadata; changes nothing (an inactive pool is not brought up).
SpaceReport disk_usage(Host& host, const std::string& volume);
// What `commit -d REF` and `branch -d BRANCH` would free, in bytes, changing nothing: after the
// real delete the pool's used space drops by exactly this. Refused as the real delete would be.
uint64_t delete_commit_dry_run(Host& host, const std::string& volume, const std::string& ref);
uint64_t delete_branch_dry_run(Host& host, const std::string& volume, const std::string& branch);

// ---- status ----
struct StatusInfo {
  std::string volume;
  std::string branch;
  std::optional<CommitRecord> head;
  std::string mountpoint;
  bool pool_active = false;
  uint64_t data_used_bytes = 0, data_total_bytes = 0;
  uint64_t meta_used_bytes = 0, meta_total_bytes = 0;
  uint64_t fs_size_bytes = 0;
  std::string fs;
  std::optional<bool> uncommitted;  // known when run as root
  std::vector<std::string> containers;  // running containers that use it
};
StatusInfo status(Host& host, const std::string& volume);

// ---- config ----
std::optional<std::string> config_get(Host& host, const std::string& key);
void config_set(Host& host, const std::string& key, const std::string& value);
std::vector<std::pair<std::string, std::string>> config_list(Host& host);

}  // namespace dvol
