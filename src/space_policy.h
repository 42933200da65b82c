#pragma once
// How much room a volume's pool gets, and when a command refuses for lack of it. Pure logic:
// no syscalls (host unit tests cover it).
//
// Data. The pool's data file (data.img, sparse: the host pays only for written blocks) starts
// at the filesystem size plus one growth step and grows on demand. Every dvol command that
// brings the pool up checks that the pool has at least the filesystem's size free: the most
// the checked-out branch (the only writable device) can newly allocate before the next
// command, by rewriting every block it maps while commits keep the old ones. If it has less,
// the file grows to the space in use + the filesystem size + one step, in whole steps. A step
// is a quarter of the filesystem size, at least 64 MiB. The file grows to at most 4x the
// filesystem size (what the metadata is sized for); a volume made before growth existed
// keeps its larger metadata and the size it had, whichever allows more.
//
// Metadata. The metadata file (meta.img) is sized once, for the largest data file:
// 1/1024 of it (thin_metadata_size puts 40 GiB of 64 KiB blocks with 1000 thin devices at
// 24 MiB; 40 MiB here), at least 16 MiB, at most 15 GiB (the kernel uses ~16 GiB). It is
// fully allocated on the host when the volume is made: a metadata write that meets a full
// host filesystem turns the pool read-only until its metadata is checked.
//
// Refusals. Commits and new branches are refused while the pool or the host filesystem
// holding its files has less than kMinFreeBytes free.
#include <cstdint>
#include <optional>

namespace dvol {

inline constexpr uint64_t kMinFreeBytes = 64ull << 20;
inline constexpr uint64_t kMaxDataFactor = 4;

// The unit the data file grows by.
uint64_t growth_step(uint64_t fs_size);
// Size of a new volume's data file.
uint64_t initial_data_bytes(uint64_t fs_size);
// Size of a new volume's metadata file.
uint64_t metadata_bytes_for(uint64_t fs_size);
// Largest data file for a volume with `meta_bytes` of metadata whose data file is now
// `data_bytes` long.
uint64_t max_data_bytes(uint64_t fs_size, uint64_t data_bytes, uint64_t meta_bytes);

struct PoolSpace {
  uint64_t fs_size = 0;     // what the branches' filesystems see
  uint64_t data_bytes = 0;  // the data device's length now
  uint64_t used_bytes = 0;  // pool data in use
  uint64_t max_data_bytes = 0;
};

// The length the data file should grow to, or nullopt when it has room enough (or is at
// its largest).
std::optional<uint64_t> grown_data_bytes(const PoolSpace& space);

}  // namespace dvol
