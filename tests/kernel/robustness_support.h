#pragma once
// Helpers of the robustness kernel tests (kernel.robustness): dvol processes started in the
// background (to race them or kill them), a minimal client of the Docker volume plugin's
// protocol (HTTP over a unix socket), and the invariants a volume must satisfy after any mix
// of concurrent, killed or refused commands, read straight from the kernel and from dvol.db.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {

// A process started in the background; its stdout and stderr go to files in `dir`.
// The destructor kills (SIGKILL) and reaps it if wait() was not called.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::vector<std::string>& env,
             const std::filesystem::path& dir, const std::string& tag);
  ~Background();
  Background(Background&& o) noexcept;
  Background(const Background&) = delete;

  pid_t pid() const { return pid_; }
  // Waits for the exit; returns what run_process would (status is 128 + signal if killed).
  Result wait();
  void kill_now();  // SIGKILL, then wait() collects it

 private:
  pid_t pid_ = -1;
  std::filesystem::path out_, err_;
};

// The environment CliTest::dvol gives the child, for starting dvol by hand.
std::vector<std::string> dvol_env(const std::filesystem::path& root,
                                  const std::vector<std::pair<std::string, std::string>>& extra = {});

// Runs a system tool (losetup, umount, insmod...) with this process's environment: inside the
// test kernel some hosts need it (GLIBC_TUNABLES keeps glibc off AVX-512 there).
Result run_tool(const std::vector<std::string>& argv);

// One plugin call: POST `method` with `body` on the unix socket `socket`, Connection: close.
struct PluginReply {
  int http_status = 0;  // 0: no reply at all (connection refused or closed early)
  nlohmann::json body;  // discarded when the body was not JSON
  std::string raw;
};
PluginReply plugin_call(const std::filesystem::path& socket, const std::string& method, const nlohmann::json& body);
// Waits (up to `seconds`) until something accepts connections on `socket`.
bool wait_for_socket(const std::filesystem::path& socket, int seconds);

// What a volume's directory and the kernel say about it, read without dvol.
struct VolumeFacts {
  std::string uid;
  std::string checked_out;
  uint32_t checked_out_thin = 0;
  uint64_t store_transaction_id = 0;
  bool intent_pending = false;
  std::vector<uint32_t> branch_thins, commit_thins;
};
VolumeFacts read_volume_db(const std::filesystem::path& db);

// The invariants of docs (issue 6) that hold whenever no dvol command runs on the volume.
// Returns one line per violation (empty: all hold):
//   - the pool dvol-<uid>-pool is live, its transaction id equals the store's, no metadata
//     snapshot is held, it has not failed and needs no check;
//   - no intent is left in the store;
//   - the only dm devices of the volume are the pool and the checked-out branch, which is
//     mounted at mnt/ (and nothing else is mounted under the volume's directory);
//   - no dvol device of the volume is suspended.
std::vector<std::string> volume_invariant_violations(const std::filesystem::path& volume_dir);

// Lines of a failed invariant check, joined for a test message.
std::string joined(const std::vector<std::string>& lines);

}  // namespace dvol::test
