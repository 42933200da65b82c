#pragma once
// run(): the one way dvol starts another program (mkfs, thin_delta, ...). No shell: argv goes
// to execvp as is, so no user string is ever interpreted. LC_ALL=C, inherited descriptors
// closed, stdout and stderr captured separately.
#include <string>
#include <vector>

namespace dvol::io {

struct RunResult {
  int status = 0;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs argv and waits. Throws Unsupported if the program does not exist (with `install_hint`
// as the hint), Io if it cannot be started. A non-zero exit is returned, not thrown.
[[nodiscard]] RunResult run(const std::vector<std::string>& argv, const std::string& install_hint = {});

// As run(), but a non-zero exit throws Io with the tail of the program's stderr as detail.
RunResult run_checked(const std::vector<std::string>& argv, const std::string& install_hint = {});

// True if `program` is found in PATH (or is an executable path).
bool program_exists(const std::string& program);

}  // namespace dvol::io
