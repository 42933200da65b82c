#pragma once
// run(): the one way dvol starts another program (mkfs, thin_delta, ...). No shell: argv goes
// to execvp as is, so no user string is ever interpreted. LC_ALL=C, inherited descriptors
// closed, stdout and stderr captured separately.
#include <chrono>
#include <string>
#include <vector>

namespace dvol::io {

struct RunResult {
  int status = 0;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// How long a program may run before it is killed: dvol holds a volume's lock meanwhile, and a
// hung helper (a thin_check on a stuck device) must not hold it forever. Generous: mkfs and
// thin_check of large volumes take minutes.
inline constexpr std::chrono::seconds kProgramDeadline{30 * 60};

// Runs argv and waits. Throws Unsupported if the program does not exist (with `install_hint`
// as the hint), Io if it cannot be started, Unavailable if it ran past `deadline` (it is
// killed first). A non-zero exit is returned, not thrown.
[[nodiscard]] RunResult run(const std::vector<std::string>& argv, const std::string& install_hint = {},
                            std::chrono::milliseconds deadline = kProgramDeadline);

// As run(), but a non-zero exit throws Io with the tail of the program's stderr as detail.
RunResult run_checked(const std::vector<std::string>& argv, const std::string& install_hint = {},
                      std::chrono::milliseconds deadline = kProgramDeadline);

// True if `program` is found in PATH (or is an executable path).
bool program_exists(const std::string& program);

}  // namespace dvol::io
