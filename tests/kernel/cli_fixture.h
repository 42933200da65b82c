#pragma once
// CliTest: the fixture of the CLI's kernel tests. Each test gets a fresh state root under
// $DVOL_TEST_STATE and runs the real `dvol` binary as a subprocess (argv, no shell), the way a
// user or a script does, with DVOL_ROOT pointing at that root.
//
// TearDown removes every volume of the root with `dvol rm -f` (the removal is itself under
// test) and then checks that nothing of them is left in the kernel: no dm device named dvol-*
// that was not there when the test began, no mount under the root, no loop device on a file
// under the root. If `rm -f` failed it cleans up by hand, so one failing test cannot make the
// next ones fail.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace dvol::test {

struct RunOptions {
  std::optional<std::string> input;                          // stdin; nullopt: /dev/null (EOF)
  std::vector<std::pair<std::string, std::string>> env;      // set in the child (e.g. TZ)
  bool as_nobody = false;                                    // run as uid/gid 65534, no groups

  static RunOptions with_input(std::optional<std::string> text) {
    RunOptions o;
    o.input = std::move(text);
    return o;
  }
  static RunOptions with_env(std::string key, std::string value) {
    RunOptions o;
    o.env.emplace_back(std::move(key), std::move(value));
    return o;
  }
  static RunOptions nobody(std::optional<std::string> text = std::nullopt) {
    RunOptions o = with_input(std::move(text));
    o.as_nobody = true;
    return o;
  }
};

struct Result {
  int status = -1;  // exit status; 128 + signal number if killed
  std::string out;  // stdout
  std::string err;  // stderr
  double seconds = 0;

  // Line `i` of stderr without its newline ("" if there is none).
  std::string err_line(size_t i = 0) const;
};

// Runs `argv` (argv[0] is the program's path) with `env` as its whole environment.
Result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const RunOptions& options);

// The dvol binary under test.
std::string dvol_binary();

// Writes `bytes` of pseudo-random data derived from `seed` to `file`, truncating it, and syncs.
void write_data(const std::filesystem::path& file, size_t bytes, unsigned seed);
// Overwrites `file` in place (no truncation, same blocks) with data derived from `seed`; syncs.
void overwrite_in_place(const std::filesystem::path& file, unsigned seed);
// The bytes write_data(file, bytes, seed) writes.
std::string data_for(size_t bytes, unsigned seed);
// data_for(total, seed) a piece at a time, so that large files are written and checked
// without holding them in memory: the test kernel maps every page a process touches on its
// own, and a few hundred MiB in one process can use up the host's vm.max_map_count (65530
// by default), which gets the process killed.
class DataStream {
 public:
  explicit DataStream(unsigned seed) : gen_(seed) {}
  // The next `n` bytes; every piece but the last must be a multiple of 8 bytes long.
  std::string next(size_t n);

 private:
  std::mt19937_64 gen_;
};
// True if `file` holds exactly data_for(bytes, seed); reads it a piece at a time.
bool holds_data(const std::filesystem::path& file, size_t bytes, unsigned seed);
std::string read_file(const std::filesystem::path& file);
// 64-bit FNV-1a of `data`, as 16 hex digits.
std::string checksum(const std::string& data);

// dm devices whose name starts with "dvol-".
std::set<std::string> dvol_dm_devices();
// Loop devices whose backing file lies under `dir` (deleted files included).
std::vector<std::string> loops_under(const std::filesystem::path& dir);

class CliTest : public ::testing::Test {
 public:
  // Everything a user sees of a volume: `list` (without SIZE, which moves with the
  // filesystem's own bookkeeping such as atime), `log`, `branch`, and the content of every file
  // of the checked-out branch. Two equal views mean a command changed nothing.
  struct View {
    std::string list, log, branches;
    std::map<std::string, std::string> files;
    bool operator==(const View&) const = default;
    friend void PrintTo(const View& v, std::ostream* os);
  };
 protected:
  void SetUp() override;
  void TearDown() override;

  const std::filesystem::path& root() const { return root_; }
  // Uses `root` instead of the fresh root made by SetUp (the reboot test's shared root).
  void set_root(std::filesystem::path root) { root_ = std::move(root); }
  // <root>/volumes/<flat>: the volume's state directory.
  std::filesystem::path volume_dir(const std::string& volume) const;

  // Runs `dvol ARGS...` against this test's root.
  Result dvol(const std::vector<std::string>& args, const RunOptions& options = {});
  // Same, but a non-zero status throws (failing the test) with the command and its stderr;
  // returns stdout.
  std::string ok(const std::vector<std::string>& args, const RunOptions& options = {});

  // `dvol init VOLUME --size 256M [EXTRA...]`.
  void init(const std::string& volume, const std::vector<std::string>& extra = {});
  // `dvol commit -m MESSAGE [VOLUME]`; returns the new commit's id.
  std::string commit(const std::string& message, const std::string& volume = "");
  // `dvol path VOLUME`.
  std::filesystem::path mount(const std::string& volume);
  // `dvol --json list`: size_bytes of VOLUME.
  uint64_t used_bytes(const std::string& volume);

  View view(const std::string& volume);
  // Everything the mounted branch shows: relative path -> content, "dir/" -> "" for directories.
  static std::map<std::string, std::string> files_in(const std::filesystem::path& dir);
  // The names directly in `dir`.
  static std::set<std::string> names_in(const std::filesystem::path& dir);

  // dm devices named dvol-* that did not exist when the test began.
  std::set<std::string> new_dm_devices() const;

  // Set by tests that keep their volumes on purpose (the reboot test's first boot).
  bool keep_state_ = false;

 private:
  void remove_leftovers();

  std::filesystem::path root_;
  std::set<std::string> dm_before_;
  std::map<std::string, std::filesystem::path> mounts_;  // `dvol path` of each volume, once
};

// Lines of `text` without their newlines.
std::vector<std::string> lines_of(const std::string& text);

}  // namespace dvol::test
