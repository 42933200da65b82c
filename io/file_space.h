#pragma once
// Space on the host filesystem that holds a volume's pool files: how much is free, and making
// a file larger (sparse: free until written) or reserving its blocks (so that later writes
// into it can never fail for want of space). No knowledge of volumes or pools.
#include <cstdint>
#include <filesystem>

namespace dvol::io {

// Bytes an unprivileged writer may still use on the filesystem holding `path` (statvfs
// f_bavail; root may have a few more in ext4's reserve).
uint64_t free_bytes(const std::filesystem::path& path);

// Makes `path` `bytes` long by extending it with a hole (ftruncate) and syncs the new size.
// Already that long or longer: nothing (a file never shrinks here). On error the size is
// unchanged.
void grow_file(const std::filesystem::path& path, uint64_t bytes);

// Allocates every block of `path` that is still a hole (fallocate, size unchanged), so that
// writes into it never meet ENOSPC. ResourceExhausted when the filesystem has no room; the
// blocks allocated before that stay allocated (harmless: they belong to the file).
void preallocate_file(const std::filesystem::path& path);

}  // namespace dvol::io
