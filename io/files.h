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

// Writes all of `data` to `fd` (retrying short writes and EINTR); `what` names it in errors.
void write_all(int fd, const std::string& data, const std::string& what);

// Whole contents of a small file (sysfs, /proc); nullopt if it does not exist.
std::optional<std::string> read_small_file(const std::filesystem::path& path);

// Writes `contents` to `path` atomically, with permissions `mode`: a temporary file beside it,
// fsync, rename (the commit point: readers see the old file or the new one, never a mix), fsync
// of the directory. On failure the temporary file is removed and `path` is unchanged.
void write_file_atomically(const std::filesystem::path& path, const std::string& contents, mode_t mode = 0600);

// Gives the complete file `from` the new name `to`, which must not exist (link(2): fails with
// AlreadyExists instead of replacing, unlike rename), removes the name `from` and fsyncs the
// directory. For files built by a library under a temporary name (a SQLite database).
void link_new_file(const std::filesystem::path& from, const std::filesystem::path& to);

// fsync of directory `dir`, so that names made or renamed in it survive a power cut. A
// filesystem that cannot fsync directories (EINVAL) is fine.
void fsync_directory(const std::filesystem::path& dir);

// syncfs(2) of the filesystem holding `path`: its dirty data reaches its device.
void sync_filesystem(const std::filesystem::path& path);

// Creates a sparse file of `bytes` (fails if it exists). It costs no space until written.
void create_sparse_file(const std::filesystem::path& path, uint64_t bytes);

// Bytes the file really occupies on its filesystem (st_blocks * 512).
uint64_t allocated_bytes(const std::filesystem::path& path);

}  // namespace dvol::io
