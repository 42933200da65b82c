#include "io/filesystem.h"

#include "io/crash_point.h"
#include "io/error.h"
#include "io/run.h"

namespace dvol::io {

std::string fs_name(FsType type) { return type == FsType::Xfs ? "xfs" : "ext4"; }

std::optional<FsType> parse_fs(std::string_view name) {
  if (name == "ext4") return FsType::Ext4;
  if (name == "xfs") return FsType::Xfs;
  return std::nullopt;
}

void make_filesystem(FsType type, const std::string& device) {
  crash_point("mkfs");
  if (type == FsType::Ext4) {
    // 4 KiB blocks whatever the size (mke2fs picks 1 KiB for small filesystems), so that a
    // file block is one diff block.
    run_checked({"mkfs.ext4", "-q", "-F", "-b", "4096", "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1",
                 "-L", "dvol", device},
                "apt-get install e2fsprogs");
  } else {
    run_checked({"mkfs.xfs", "-q", "-f", "-K", "-L", "dvol", device}, "apt-get install xfsprogs");
  }
}

MountOptions branch_mount_options(FsType type) {
  if (type == FsType::Ext4) return {"ext4", false, "noinit_itable"};
  return {"xfs", false, ""};
}

MountOptions snapshot_view_options(FsType type) {
  if (type == FsType::Ext4) return {"ext4", true, "noload"};
  return {"xfs", true, "norecovery,nouuid"};
}

}  // namespace dvol::io
