#pragma once
// Filesystems on thin devices: making them, and the mount options each needs.
#include <optional>
#include <string>
#include <string_view>

#include "io/mount.h"

namespace dvol::io {

enum class FsType { Ext4, Xfs };

std::string fs_name(FsType type);
std::optional<FsType> parse_fs(std::string_view name);

// Makes an empty filesystem on `device`, writing as little as possible: a thin device reads
// unprovisioned blocks as zeros, so inode tables and the journal need not be zeroed (that
// would allocate hundreds of MiB in the pool), and no discard is sent (nothing to discard).
// `top_dir`, if given, is made in the new filesystem's root (mode 0755, root's) by mkfs
// itself: nothing is mounted.
void make_filesystem(FsType type, const std::string& device, const std::string& top_dir = "");

// Options for the read-write mount of a branch. ext4's lazy inode-table initialisation is
// switched off (noinit_itable): otherwise a kernel thread writes to an idle volume.
MountOptions branch_mount_options(FsType type);

// Options for a read-only view of a snapshot. A snapshot of a mounted filesystem has a dirty
// journal/log: ext4 needs noload; XFS needs norecovery and nouuid (a snapshot shares its
// origin's UUID, and XFS refuses two mounts with one UUID).
MountOptions snapshot_view_options(FsType type);

}  // namespace dvol::io
