#include "dm/libdm_control.h"

#include <fcntl.h>
#include <libdevmapper.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <thread>

#include "dm/busy_device_wait.h"
#include "io/crash_point.h"
#include "io/device_users.h"
#include "io/error.h"

namespace dvol::dm {

namespace {

// libdevmapper reports through a process-wide log callback with no context pointer; the
// last error it logged is kept here and attached to the Error we throw.
thread_local std::string last_dm_message;

void capture_log(int level, const char* /*file*/, int /*line*/, int /*dm_errno*/, const char* fmt, ...) {
  if ((level & 7) > 3) return;  // keep errors (LOG_ERR = 3) only; libdm is chatty otherwise
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  last_dm_message = buf;
}

// DmTask: one libdevmapper task; the destructor destroys it.
class DmTask {
 public:
  DmTask(int type, const char* op) : op_(op) {
    task_ = dm_task_create(type);
    if (!task_ && !LibDmControl::kernel_supported())
      throw Error(Code::Unsupported, kNoDeviceMapper).with_hint(kNoDeviceMapperHint);
    if (!task_) throw Error(Code::Internal, std::string("cannot create a device-mapper task for ") + op);
  }
  ~DmTask() { dm_task_destroy(task_); }
  DmTask(const DmTask&) = delete;
  DmTask& operator=(const DmTask&) = delete;

  dm_task* get() { return task_; }

  void set_name(const DmName& name) {
    name_ = name.str();
    check(dm_task_set_name(task_, name.c_str()));
  }
  void check(int ok) {
    if (!ok) fail(ENOMEM);
  }
  // Runs the task; failures become Error with the operation, the device and errno.
  void run() {
    last_dm_message.clear();
    if (!dm_task_run(task_)) fail(dm_task_get_errno(task_));
  }
  [[noreturn]] void fail(int err) {
    std::string detail = std::string(op_) + " " + name_ + ": errno " + std::to_string(err);
    if (!last_dm_message.empty()) detail += ": " + last_dm_message;
    Code code = Code::Io;
    std::string msg = std::string("device-mapper could not ") + op_ + " " + name_;
    switch (err) {
      case EBUSY: code = Code::Unavailable; msg = "device " + name_ + " is busy (open or mounted)"; break;
      case ENXIO: case ENODEV: code = Code::NotFound; msg = "device " + name_ + " does not exist"; break;
      case ENODATA: code = Code::NotFound; msg = std::string(op_) + " " + name_ + ": no such thin device"; break;
      case EEXIST: code = Code::AlreadyExists; msg = "device " + name_ + " already exists"; break;
      case ENOSPC: code = Code::ResourceExhausted; msg = "pool " + name_ + " is out of space"; break;
      case EPERM: case EACCES: code = Code::PermissionDenied; msg = "device-mapper needs root"; break;
      case EIO:
        // Suspending a device with a filesystem on it freezes the filesystem first.
        if (std::strcmp(op_, "suspend") == 0) msg = "the filesystem on " + name_ + " could not be frozen (I/O error)";
        break;
      default: break;
    }
    throw Error(code, msg, detail);
  }

 private:
  dm_task* task_;
  const char* op_;
  std::string name_;
};

std::vector<TableLine> targets(DmTask& task) {
  std::vector<TableLine> out;
  void* next = nullptr;
  do {
    uint64_t start = 0, length = 0;
    char* type = nullptr;
    char* params = nullptr;
    next = dm_get_next_target(task.get(), next, &start, &length, &type, &params);
    if (type) out.push_back({Sectors{start}, Sectors{length}, type, params ? params : ""});
  } while (next);
  return out;
}

// Where dvol makes its device nodes, and how long a remove waits for transient openers (see
// BusyDeviceWait): up to 10 s for any one of them, a minute in all.
constexpr const char* kNodeDir = "/dev/dvol";
constexpr auto kRemovePatience = std::chrono::seconds(10);
constexpr auto kRemoveLimit = std::chrono::seconds(60);

// A device still open when the wait gave up: who has it, and what to do.
Error still_busy(const DmName& name, const BusyDeviceWait& wait, const Error& cause) {
  std::string who;
  for (const auto& user : wait.users()) who += (who.empty() ? " (" : ", ") + user;
  if (!who.empty()) who += ")";
  auto waited = std::chrono::duration_cast<std::chrono::seconds>(wait.waited(BusyDeviceWait::Clock::now()));
  return Error(Code::Unavailable,
               "device " + name.str() + " is still in use after " + std::to_string(waited.count()) + " s" + who,
               cause.detail())
      .with_hint("close what holds it open and try again (a device left behind is removed by the volume's next command)");
}

void add_targets(DmTask& task, const std::vector<TableLine>& table) {
  for (const auto& t : table)
    task.check(dm_task_add_target(task.get(), t.start.value, t.length.value, t.target.c_str(), t.params.c_str()));
}

}  // namespace

LibDmControl::LibDmControl() {
  dm_log_with_errno_init(capture_log);
  // No udev is guaranteed (containers, the test kernel): never wait for it; libdevmapper
  // makes the /dev/mapper nodes itself.
  dm_udev_set_sync_support(0);
}

LibDmControl::~LibDmControl() {
  dm_lib_release();
  dm_log_with_errno_init(nullptr);
}

bool LibDmControl::kernel_supported() {
  if (::access("/proc/misc", R_OK) != 0) return false;
  FILE* f = std::fopen("/proc/misc", "r");
  if (!f) return false;
  char line[256];
  bool found = false;
  while (std::fgets(line, sizeof line, f))
    if (std::strstr(line, "device-mapper")) found = true;
  std::fclose(f);
  return found;
}

namespace {

std::map<std::string, std::string> target_versions() {
  std::map<std::string, std::string> out;
  dm_task* task = dm_task_create(DM_DEVICE_LIST_VERSIONS);
  if (!task) return out;
  if (dm_task_run(task)) {
    dm_versions* v = dm_task_get_versions(task);
    for (dm_versions* last = nullptr; v && v != last;) {
      out[v->name] = std::to_string(v->version[0]) + "." + std::to_string(v->version[1]) + "." +
                     std::to_string(v->version[2]);
      last = v;
      v = reinterpret_cast<dm_versions*>(reinterpret_cast<char*>(v) + v->next);
    }
  }
  dm_task_destroy(task);
  return out;
}

}  // namespace

std::optional<std::map<std::string, std::string>> LibDmControl::kernel_targets() {
  if (!kernel_supported()) return std::nullopt;
  return target_versions();
}

void LibDmControl::create(const DmName& name, const std::string& uuid, const std::vector<TableLine>& table,
                          bool read_only) {
  io::crash_point("dm create");
  DmTask task(DM_DEVICE_CREATE, "create");
  task.set_name(name);
  if (!uuid.empty()) task.check(dm_task_set_uuid(task.get(), uuid.c_str()));
  if (read_only) task.check(dm_task_set_ro(task.get()));
  add_targets(task, table);
  try {
    task.run();  // libdevmapper removes the half-made device itself if the load fails
  } catch (const Error& e) {
    // A target the kernel does not have (its module not loaded) fails as a bare EINVAL: say
    // which one is missing and how to get it.
    auto have = target_versions();
    for (const auto& t : table) {
      if (have.empty() || have.count(t.target)) continue;
      std::string module = t.target == "thin" || t.target == "thin-pool" ? "dm-thin-pool" : "dm-" + t.target;
      throw Error(Code::Unsupported, "the kernel has no device-mapper " + t.target + " target (module " + module + ")",
                  e.detail())
          .with_hint("load it with 'modprobe " + module + "' and try again; 'dvol doctor' checks what dvol needs");
    }
    throw;
  }
  dm_task_update_nodes();
}

void LibDmControl::reload(const DmName& name, const std::vector<TableLine>& table) {
  io::crash_point("dm reload");
  DmTask task(DM_DEVICE_RELOAD, "load a table into");
  task.set_name(name);
  add_targets(task, table);
  task.run();
}

void LibDmControl::clear_inactive(const DmName& name) {
  DmTask task(DM_DEVICE_CLEAR, "clear the inactive table of");
  task.set_name(name);
  task.run();
}

void LibDmControl::suspend(const DmName& name) {
  io::crash_point("dm suspend");
  DmTask task(DM_DEVICE_SUSPEND, "suspend");
  task.set_name(name);
  task.run();
}

void LibDmControl::resume(const DmName& name) {
  io::crash_point("dm resume");
  DmTask task(DM_DEVICE_RESUME, "resume");
  task.set_name(name);
  task.run();
  dm_task_update_nodes();
}

void LibDmControl::remove(const DmName& name) {
  auto i = info(name);
  if (!i) return;
  io::crash_point("dm remove");
  // Another process may have the device open for a moment after we closed it: udev probing it
  // after its change event, a monitoring tool. Wait for it, a bounded time, then say who.
  BusyDeviceWait wait(kRemovePatience, kRemoveLimit, BusyDeviceWait::Clock::now());
  for (auto pause = std::chrono::milliseconds(20);; pause = std::min(pause * 2, std::chrono::milliseconds(500))) {
    try {
      DmTask task(DM_DEVICE_REMOVE, "remove");
      task.set_name(name);
      task.run();
      break;
    } catch (const Error& e) {
      if (e.code() == Code::NotFound) break;
      if (e.code() != Code::Unavailable) throw;
      if (!wait.keep_waiting(io::device_users(makedev(i->major, i->minor)), BusyDeviceWait::Clock::now()))
        throw still_busy(name, wait, e);
      std::this_thread::sleep_for(pause);
    }
  }
  dm_task_update_nodes();
  // The nodes we made ourselves (see device_path) are ours to remove; udev's are udev's.
  for (const std::string dir : {kNodeDir, "/dev/mapper"}) {
    std::string path = dir + "/" + name.str();
    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) ::unlink(path.c_str());
  }
}

void LibDmControl::message(const DmName& name, const std::string& text) {
  io::crash_point(("dm message " + text.substr(0, text.find(' '))).c_str());
  DmTask task(DM_DEVICE_TARGET_MSG, "send a message to");
  task.set_name(name);
  task.check(dm_task_set_sector(task.get(), 0));
  task.check(dm_task_set_message(task.get(), text.c_str()));
  task.run();
}

std::optional<DeviceInfo> LibDmControl::info(const DmName& name) {
  DmTask task(DM_DEVICE_INFO, "query");
  task.set_name(name);
  task.run();
  dm_info i{};
  task.check(dm_task_get_info(task.get(), &i));
  if (!i.exists) return std::nullopt;
  DeviceInfo out;
  out.major = i.major;
  out.minor = i.minor;
  out.suspended = i.suspended;
  out.live_table = i.live_table;
  out.open_count = i.open_count;
  const char* uuid = dm_task_get_uuid(task.get());
  out.uuid = uuid ? uuid : "";
  return out;
}

std::vector<TableLine> LibDmControl::table(const DmName& name) {
  DmTask task(DM_DEVICE_TABLE, "read the table of");
  task.set_name(name);
  task.run();
  return targets(task);
}

std::vector<TableLine> LibDmControl::status(const DmName& name) {
  DmTask task(DM_DEVICE_STATUS, "read the status of");
  task.set_name(name);
  task.run();
  return targets(task);
}

std::vector<std::string> LibDmControl::list() {
  DmTask task(DM_DEVICE_LIST, "list");
  task.run();
  std::vector<std::string> out;
  dm_names* names = dm_task_get_names(task.get());
  if (!names || !names->dev) return out;
  for (;;) {
    out.emplace_back(names->name);
    if (!names->next) break;
    names = reinterpret_cast<dm_names*>(reinterpret_cast<char*>(names) + names->next);
  }
  return out;
}

std::string LibDmControl::device_path(const DmName& name) {
  auto i = info(name);
  if (!i) throw Error(Code::NotFound, "device " + name.str() + " does not exist");
  // A node of our own, in a directory no udev rule manages: /dev/mapper/NAME is udev's (its
  // symlink appears and disappears with events processed later, which may be of an older
  // device of the same name), and may not exist at all where there is no udev.
  std::string path = std::string(kNodeDir) + "/" + name.str();
  dev_t want = makedev(i->major, i->minor);
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == want) return path;
  // Missing or stale (a name reused after a reboot): make it.
  if (::mkdir(kNodeDir, 0700) != 0 && errno != EEXIST) throw sys_error("create the directory", kNodeDir, errno);
  ::unlink(path.c_str());
  if (::mknod(path.c_str(), S_IFBLK | 0600, want) != 0) throw sys_error("create the device node", path, errno);
  return path;
}

}  // namespace dvol::dm
