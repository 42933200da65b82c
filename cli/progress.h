#pragma once
// A progress bar on stderr for long operations: shown only when stderr is a terminal and the
// operation has taken more than a second; overprints one line and clears it at the end.
#include <chrono>
#include <cstdint>
#include <string>

namespace dvol::cli {

class TerminalProgress {
 public:
  explicit TerminalProgress(std::string label);
  ~TerminalProgress();  // clears the bar if it was drawn
  void update(uint64_t done, uint64_t total);

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace dvol::cli
