#pragma once
// StateLock: an exclusive flock on a lock file, held for the duration of one mutating command.
// flock locks die with their process, so a lock left by a killed dvol never blocks anyone.
// The destructor unlocks (by closing the descriptor).
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "io/fd.h"

namespace dvol::io {

class StateLock {
 public:
  // Waits up to `wait` for the lock; then throws Unavailable with `busy_message`.
  [[nodiscard]] static StateLock acquire(const std::filesystem::path& file, std::chrono::milliseconds wait,
                                         const std::string& busy_message);
  // The lock if it is free now, else nothing (for readers that can make do without it).
  [[nodiscard]] static std::optional<StateLock> try_acquire(const std::filesystem::path& file);
  StateLock(StateLock&&) noexcept = default;
  StateLock& operator=(StateLock&&) noexcept = default;

 private:
  explicit StateLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace dvol::io
