#pragma once
// Small file helpers shared by every layer: opening with errors as dvol::Error, reading a
// whole small file, writing one atomically, sparse files.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "io/fd.h"

namespace dvol::io {

// open(2) with EINTR retried; failure throws sys_error("open", path, errno).
[[nodiscard]] Fd open_file(const std::filesystem::path& path, int flags, mode_t mode = 0600);

// Whole contents of a small file (sysfs, /proc); nullopt if it does not exist.
std::optional<std::string> read_small_file(const std::filesystem::path& path);

// Writes `contents` to `path` atomically: temp file, fsync, rename, fsync of the directory.
void write_file_atomically(const std::filesystem::path& path, const std::string& contents);

// Creates a sparse file of `bytes` (fails if it exists). It costs no space until written.
void create_sparse_file(const std::filesystem::path& path, uint64_t bytes);

// Bytes the file really occupies on its filesystem (st_blocks * 512).
uint64_t allocated_bytes(const std::filesystem::path& path);

}  // namespace dvol::io
