#include "src/doctor.h"

#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "dm/control.h"
#include "io/error.h"
#include "io/files.h"
#include "io/run.h"
#include "io/uring.h"
#include "src/docker_endpoints.h"

namespace dvol {

namespace {

// True if the kernel has `module` to load (modinfo finds it). Doctor only looks: it loads
// nothing and changes nothing.
bool module_available(const std::string& module) {
  if (!io::program_exists("modinfo")) return false;
  try {
    return io::run({"modinfo", "-F", "filename", module}).status == 0;
  } catch (const Error&) {
    return false;
  }
}

DoctorCheck check_device_mapper(dm::Control& dm) {
  DoctorCheck c{"device-mapper thin provisioning", false, true, "", ""};
  auto found = dm.kernel_targets();
  if (!found) {
    c.detail = dm::kNoDeviceMapper;
    c.fix = dm::kNoDeviceMapperHint;
    return c;
  }
  auto& targets = *found;
  if (!targets.contains("thin-pool") || !targets.contains("thin")) {
    if (module_available("dm-thin-pool")) {
      // The kernel loads a target's module when a table first uses it.
      c.ok = true;
      c.detail = "thin-pool (module dm-thin-pool, loaded on first use)";
      return c;
    }
    c.detail = "device-mapper is present but the thin-pool target is not";
    c.fix = "modprobe dm-thin-pool (Debian: it ships with the kernel; otherwise use the test kernel)";
    return c;
  }
  c.ok = true;
  c.detail = "thin-pool " + targets["thin-pool"];
  return c;
}

DoctorCheck check_io_uring() {
  DoctorCheck c{"io_uring", false, true, "", ""};
  try {
    auto ring = io::IoUring::create(4);
    c.ok = true;
    c.detail = "available";
  } catch (const Error& e) {
    c.detail = e.message();
    c.fix = "use Linux 5.6 or later with io_uring enabled (sysctl kernel.io_uring_disabled=0)";
  }
  return c;
}

DoctorCheck check_loop() {
  DoctorCheck c{"loop devices", false, true, "", ""};
  if (::access("/dev/loop-control", R_OK | W_OK) == 0) {
    c.ok = true;
    c.detail = "/dev/loop-control";
  } else {
    c.detail = "/dev/loop-control is missing or not writable";
    c.fix = "modprobe loop (as root)";
  }
  return c;
}

DoctorCheck check_program(const std::string& name, const std::string& package, bool required,
                          const std::string& purpose) {
  DoctorCheck c{name, io::program_exists(name), required, "", ""};
  c.detail = c.ok ? purpose : "not found (" + purpose + ")";
  if (!c.ok) c.fix = "apt-get install " + package;
  return c;
}

// The running kernel's release. dvol needs 5.6 for io_uring (diff); loop devices are set up with
// LOOP_CONFIGURE from 5.8 and with the older two calls before.
DoctorCheck check_kernel() {
  DoctorCheck c{"Linux kernel", false, true, "", ""};
  struct utsname u {};
  if (::uname(&u) != 0) {
    c.detail = "cannot tell the kernel's release";
    return c;
  }
  unsigned major = 0, minor = 0;
  std::sscanf(u.release, "%u.%u", &major, &minor);
  c.ok = major > 5 || (major == 5 && minor >= 6);
  c.detail = std::string("Linux ") + u.release;
  if (!c.ok) {
    c.detail += ": older than 5.6, which dvol diff's io_uring needs";
    c.fix = "upgrade the kernel (Debian 11 and later have 5.10 or newer), or run dvol inside the test kernel";
  }
  return c;
}

DoctorCheck check_root() {
  DoctorCheck c{"root privileges", ::geteuid() == 0, true, "", ""};
  c.detail = c.ok ? "running as root" : "not running as root";
  if (!c.ok) c.fix = "run dvol with sudo: it manages kernel devices";
  return c;
}

DoctorCheck check_free_space(const std::filesystem::path& root) {
  DoctorCheck c{"free space", false, true, "", ""};
  auto dir = root;
  while (!dir.empty() && !std::filesystem::exists(dir)) dir = dir.parent_path();
  struct statvfs st{};
  if (dir.empty() || ::statvfs(dir.c_str(), &st) != 0) {
    c.detail = "cannot inspect " + root.string();
    c.fix = "check that " + root.string() + " or a parent exists";
    return c;
  }
  uint64_t free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  c.ok = free_bytes >= (1ull << 30);
  c.detail = std::to_string(free_bytes >> 20) + " MiB free under " + dir.string();
  if (!c.ok) c.fix = "free at least 1 GiB under " + dir.string() + " or choose another --root";
  return c;
}

DoctorCheck check_docker() {
  DoctorCheck c{"Docker engine socket", false, false, "", ""};
  auto sock = docker_engine_socket();
  if (!sock) {
    c.detail = std::string("DOCKER_HOST=") + std::getenv("DOCKER_HOST") +
               " is not a unix socket: container checks are off (optional)";
    c.fix = "unset DOCKER_HOST, or set it to unix://PATH of this host's engine";
    return c;
  }
  c.ok = ::access(sock->c_str(), F_OK) == 0;
  c.detail = c.ok ? *sock : *sock + " not found: container checks are off (optional)";
  if (!c.ok) c.fix = "start Docker to use dvol as a volume driver (optional)";
  return c;
}

DoctorCheck check_plugin() {
  DoctorCheck c{"dvol Docker volume plugin", false, false, "", ""};
  const std::string sock = kPluginSocket;
  c.ok = ::access(sock.c_str(), F_OK) == 0;
  c.detail = c.ok ? sock : sock + " not found: docker run --volume-driver dvol will not work (optional)";
  if (!c.ok) c.fix = "sudo systemctl enable --now dvol-plugin.socket, or run 'sudo dvol plugin'";
  return c;
}

}  // namespace

std::vector<DoctorCheck> run_doctor(Host& host) {
  const auto& root = host.root;
  return {
      check_root(),
      check_kernel(),
      check_device_mapper(host.dm),
      check_loop(),
      check_io_uring(),
      check_program("mkfs.ext4", "e2fsprogs", true, "makes ext4 branches"),
      check_program("mkfs.xfs", "xfsprogs", false, "makes xfs branches (--fs xfs)"),
      check_program("thin_check", "thin-provisioning-tools", false,
                    "checks a pool's metadata before bringing it back after a failed metadata write"),
      check_free_space(root),
      check_docker(),
      check_plugin(),
  };
}

}  // namespace dvol
