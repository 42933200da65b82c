#include "src/commit_id.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "io/error.h"

namespace dvol {
namespace {

std::vector<uint8_t> random_bytes(size_t n) {
  std::vector<uint8_t> buf(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf.data() + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw sys_error("getrandom", "", errno);
    }
    got += static_cast<size_t>(r);
  }
  return buf;
}

std::string random_hex(size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (uint8_t b : random_bytes(bytes)) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

}  // namespace

std::string new_commit_id() { return random_hex(20); }

std::string new_volume_uid() { return random_hex(4); }

}  // namespace dvol
