#include "io/device_users.h"

#include <sys/stat.h>

#include "io/block_device.h"
#include "io/files.h"
#include "io/mount.h"

namespace dvol::io {

namespace {

namespace fs = std::filesystem;

bool is_pid(const std::string& name) {
  return !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
}

void add_holders(const fs::path& holders, std::vector<std::string>& out) {
  std::error_code ec;
  for (const auto& h : fs::directory_iterator(holders, ec)) out.push_back("under " + h.path().filename().string());
}

// Processes with a descriptor on `dev`; each named once.
void add_openers(const fs::path& proc, dev_t dev, std::vector<std::string>& out) {
  std::error_code ec;
  for (const auto& p : fs::directory_iterator(proc, ec)) {
    auto pid = p.path().filename().string();
    if (!is_pid(pid)) continue;
    std::error_code gone;  // processes come and go while we look
    for (const auto& fd : fs::directory_iterator(p.path() / "fd", gone)) {
      struct stat st{};
      if (::stat(fd.path().c_str(), &st) != 0 || !S_ISBLK(st.st_mode) || st.st_rdev != dev) continue;
      auto comm = read_small_file(p.path() / "comm").value_or("?");
      if (!comm.empty() && comm.back() == '\n') comm.pop_back();
      out.push_back("open by " + comm + " (pid " + pid + ")");
      break;
    }
  }
}

}  // namespace

std::vector<std::string> device_users(dev_t dev, const fs::path& proc, const fs::path& sys) {
  std::vector<std::string> out;
  auto mm = major_minor(dev);
  for (const auto& point : mount_points_of(mm, proc / "self" / "mountinfo")) out.push_back("mounted at " + point.string());
  add_holders(sys / "dev" / "block" / mm / "holders", out);
  add_openers(proc, dev, out);
  return out;
}

std::vector<std::string> device_users(dev_t dev) { return device_users(dev, "/proc", "/sys"); }

}  // namespace dvol::io
