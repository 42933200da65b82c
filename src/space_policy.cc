#include "src/space_policy.h"

#include <algorithm>

namespace dvol {

namespace {

constexpr uint64_t kMiB = 1ull << 20;

uint64_t round_up(uint64_t n, uint64_t unit) { return (n + unit - 1) / unit * unit; }

}  // namespace

uint64_t growth_step(uint64_t fs_size) {
  // Whole MiB keep every length a multiple of the pool's 64 KiB blocks.
  return std::max<uint64_t>(64 * kMiB, round_up(fs_size / 4, kMiB));
}

uint64_t initial_data_bytes(uint64_t fs_size) {
  return grown_data_bytes({fs_size, 0, 0, kMaxDataFactor * fs_size}).value_or(fs_size);
}

uint64_t metadata_bytes_for(uint64_t fs_size) {
  uint64_t bytes = round_up(kMaxDataFactor * fs_size / 1024, kMiB);
  return std::clamp<uint64_t>(bytes, 16 * kMiB, 15ull << 30);
}

uint64_t max_data_bytes(uint64_t fs_size, uint64_t data_bytes, uint64_t meta_bytes) {
  // The metadata carries 1024 bytes of data per byte at the least (see metadata_bytes_for).
  uint64_t by_meta = meta_bytes >= (15ull << 30) ? UINT64_MAX : meta_bytes * 1024;
  return std::max(data_bytes, std::min(kMaxDataFactor * fs_size, by_meta));
}

std::optional<uint64_t> grown_data_bytes(const PoolSpace& s) {
  uint64_t free = s.data_bytes - std::min(s.used_bytes, s.data_bytes);
  if (free >= s.fs_size) return std::nullopt;
  uint64_t step = growth_step(s.fs_size);
  uint64_t want = std::min(round_up(s.used_bytes + s.fs_size + step, step), s.max_data_bytes);
  if (want <= s.data_bytes) return std::nullopt;
  return want;
}

}  // namespace dvol
