#include "io/filesystem.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "io/crash_point.h"
#include "io/error.h"
#include "io/run.h"
#include "io/scratch_dir.h"

namespace dvol::io {

std::string fs_name(FsType type) { return type == FsType::Xfs ? "xfs" : "ext4"; }

std::optional<FsType> parse_fs(std::string_view name) {
  if (name == "ext4") return FsType::Ext4;
  if (name == "xfs") return FsType::Xfs;
  return std::nullopt;
}

namespace {

void make_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0) throw sys_error("mkdir", dir.string(), errno);
  ::chmod(dir.c_str(), 0755);  // whatever the umask
}

}  // namespace

void make_filesystem(FsType type, const std::string& device, const std::string& top_dir) {
  crash_point("mkfs");
  std::optional<ScratchDir> scratch;
  if (!top_dir.empty()) scratch.emplace("dvol-mkfs");
  if (type == FsType::Ext4) {
    // 4 KiB blocks whatever the size (mke2fs picks 1 KiB for small filesystems), so that a
    // file block is one diff block.
    std::vector<std::string> argv{"mkfs.ext4", "-q", "-F", "-b", "4096", "-E",
                                  "nodiscard,lazy_itable_init=1,lazy_journal_init=1", "-L", "dvol"};
    if (scratch) {
      // -d: the root's contents come from a directory tree.
      auto tree = scratch->path() / "root";
      make_dir(tree);
      make_dir(tree / top_dir);
      argv.insert(argv.end(), {"-d", tree.string()});
    }
    argv.push_back(device);
    run_checked(argv, "apt-get install e2fsprogs");
  } else {
    std::vector<std::string> argv{"mkfs.xfs", "-q", "-f", "-K", "-L", "dvol"};
    if (scratch) {
      // -p: a prototype file (mkfs.xfs(8)): boot image and sizes (both ignored), the root,
      // its one entry, the end of each directory.
      auto proto = scratch->path() / "proto";
      std::ofstream(proto) << "/dev/null\n0 0\nd--755 0 0\n" << top_dir << " d--755 0 0\n$\n$\n";
      argv.insert(argv.end(), {"-p", proto.string()});
    }
    argv.push_back(device);
    run_checked(argv, "apt-get install xfsprogs");
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
