#include "io/state_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <thread>

#include "io/error.h"
#include "io/files.h"

namespace dvol::io {

StateLock StateLock::acquire(const std::filesystem::path& file, std::chrono::milliseconds wait,
                             const std::string& busy_message) {
  Fd fd = open_file(file, O_RDWR | O_CREAT, 0600);
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return StateLock(std::move(fd));
    if (errno != EWOULDBLOCK && errno != EINTR) throw sys_error("lock", file.string(), errno);
    if (std::chrono::steady_clock::now() >= deadline)
      throw Error(Code::Unavailable, busy_message, "flock " + file.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<StateLock> StateLock::try_acquire(const std::filesystem::path& file) {
  Fd fd = open_file(file, O_RDWR | O_CREAT, 0600);
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::nullopt;
    if (errno != EINTR) throw sys_error("lock", file.string(), errno);
  }
  return StateLock(std::move(fd));
}

}  // namespace dvol::io
