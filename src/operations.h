#pragma once
// The operations behind every dvol command. Each takes a typed request, validates everything
// before it changes anything (a refused command changes nothing), takes the locks it needs,
// and returns a typed result for the CLI or the plugin to render. Errors are dvol::Error.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/host.h"
#include "src/records.h"

namespace dvol {

// ---- volumes ----
struct InitRequest {
  std::string volume;
  uint64_t size_bytes = 10ull << 30;
  std::string fs = "ext4";
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
};
// Every volume, sorted by name. Does not need root (sizes then come from the last change).
std::vector<VolumeSummary> list_volumes(Host& host);
// One volume's summary (the plugin's Get).
VolumeSummary describe_volume(Host& host, const std::string& volume);

// The current volume, or `given` if not empty (validated). Throws if neither.
std::string resolve_volume(Host& host, const std::optional<std::string>& given);
void switch_volume(Host& host, const std::string& volume);

// Destroys a volume and all its data.
void remove_volume(Host& host, const std::string& volume);

// The host path where the checked-out branch is mounted (mounting it if needed).
std::string volume_path(Host& host, const std::string& volume);

// ---- commits ----
CommitRecord commit(Host& host, const std::string& volume, const std::string& message);
std::vector<CommitRecord> log(Host& host, const std::string& volume);

struct ResetResult {
  std::string volume;
  CommitRecord commit;
  bool to_head = false;
};
ResetResult reset_hard(Host& host, const std::string& volume, const std::string& ref);

// Deletes one commit everywhere; returns its id.
std::string delete_commit(Host& host, const std::string& volume, const std::string& ref);

// ---- branches ----
struct CheckoutResult {
  std::string volume;
  std::string branch;
  std::string from_branch;
  bool created = false;
};
// Refuses (FailedPrecondition) when the checked-out branch has uncommitted changes, unless `force`.
CheckoutResult checkout(Host& host, const std::string& volume, const std::string& branch, bool create,
                        bool force = false);

struct BranchList {
  std::vector<std::string> names;  // sorted
  std::string checked_out;
};
BranchList list_branches(Host& host, const std::string& volume);
void delete_branch(Host& host, const std::string& volume, const std::string& branch);

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
};
StatusInfo status(Host& host, const std::string& volume);

// ---- config ----
std::optional<std::string> config_get(Host& host, const std::string& key);
void config_set(Host& host, const std::string& key, const std::string& value);
std::vector<std::pair<std::string, std::string>> config_list(Host& host);

}  // namespace dvol
