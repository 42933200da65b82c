#include "tests/support/fake_kernel.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "dm/table.h"
#include "io/error.h"
#include "io/fd.h"

namespace dvol::testing {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kDmMajor = 253;
constexpr uint32_t kLoopMajor = 7;

std::string mm(uint32_t major, uint32_t minor) { return std::to_string(major) + ":" + std::to_string(minor); }

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

using FileId = std::pair<dev_t, ino_t>;

FileId file_id(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw Error(Code::NotFound, file.string() + " does not exist");
  return {st.st_dev, st.st_ino};
}

// A loop device holds its backing file open: it follows the file, not its name.
struct LoopFile {
  io::Fd fd;
  FileId id() const {
    struct stat st {};
    ::fstat(fd.get(), &st);
    return {st.st_dev, st.st_ino};
  }
  uint64_t size() const {
    struct stat st {};
    ::fstat(fd.get(), &st);
    return static_cast<uint64_t>(st.st_size);
  }
};

}  // namespace

struct FakeKernel::State {
  struct PoolData {
    uint64_t transaction_id = 0;
    std::map<uint32_t, std::string> thins;
    bool held = false;
  };
  struct LiveDevice {
    std::string uuid;
    uint32_t minor = 0;
    std::vector<dm::TableLine> table;
    std::optional<std::vector<dm::TableLine>> inactive;
    bool suspended = false;
  };

  // Survives reboot: the pools' metadata, by metadata file (its inode: a loop device follows
  // the file, not its name, which init renames).
  std::map<FileId, PoolData> pools;
  // Gone at reboot.
  std::map<std::string, LiveDevice> devices;
  std::map<uint32_t, LoopFile> loops;  // loop minor -> backing file
  std::vector<std::pair<fs::path, std::string>> mount_table;
  uint32_t next_minor = 0;

  size_t steps = 0;
  size_t fail_step = 0;  // 0: never
  bool dead_after_failure = false;
  bool dead = false;
  std::vector<std::string> log;

  // Called first by every state-changing call: counts it, and fails it if its turn came.
  void step(const std::string& what) {
    log.push_back(what);
    ++steps;
    if (dead || steps == fail_step) {
      if (dead_after_failure) dead = true;
      throw Error(Code::Io, "injected failure: " + what, "step " + std::to_string(steps));
    }
  }
  void query(const std::string& what) { log.push_back(what); }

  LiveDevice& live(const dm::DmName& name) {
    auto it = devices.find(name.str());
    if (it == devices.end()) throw Error(Code::NotFound, "device " + name.str() + " does not exist");
    return it->second;
  }
  const std::string* name_of(const std::string& major_minor) const {
    for (const auto& [name, d] : devices)
      if (mm(kDmMajor, d.minor) == major_minor) return &name;
    return nullptr;
  }
  // The pool device a table line names, and its metadata.
  PoolData& pool_of_thin(const dm::ThinTable& t) {
    const std::string* pool_name = name_of(t.pool_dev);
    if (!pool_name) throw Error(Code::InvalidArgument, "no pool device " + t.pool_dev);
    return pool_data(devices.at(*pool_name));
  }
  PoolData& pool_data(const LiveDevice& pool) {
    auto table = dm::ThinPoolTable::parse(pool.table.at(0));
    auto minor = static_cast<uint32_t>(std::stoul(table.metadata_dev.substr(table.metadata_dev.find(':') + 1)));
    return pools.at(loops.at(minor).id());
  }
  bool is_pool(const LiveDevice& d) const { return d.table.size() == 1 && d.table[0].target == "thin-pool"; }
  bool open(const std::string& name) const {
    const auto& d = devices.at(name);
    std::string dev = mm(kDmMajor, d.minor);
    for (const auto& [target, mounted] : mount_table)
      if (mounted == dev) return true;
    for (const auto& [other, o] : devices)
      if (o.table.size() == 1 && o.table[0].target == "thin" && dm::ThinTable::parse(o.table[0]).pool_dev == dev)
        return true;
    return false;
  }
  // The thin device behind a device node path ("/dev/mapper/NAME").
  std::pair<PoolData*, uint32_t> thin_at(const std::string& device_path) {
    auto name = fs::path(device_path).filename().string();
    auto& d = devices.at(name);
    auto t = dm::ThinTable::parse(d.table.at(0));
    return {&pool_of_thin(t), t.id.value()};
  }
};

namespace {

using State = FakeKernel::State;

class FakeControl final : public dm::Control {
 public:
  explicit FakeControl(State& s) : s_(s) {}

  void create(const dm::DmName& name, const std::string& uuid, const std::vector<dm::TableLine>& table,
              bool read_only) override {
    s_.step("dm create " + name.str() + (read_only ? " ro" : ""));
    if (s_.devices.count(name.str())) throw Error(Code::AlreadyExists, "device " + name.str() + " exists");
    check_table(table);
    State::LiveDevice d{uuid, s_.next_minor++, table, std::nullopt, false};
    if (table.at(0).target == "thin-pool") {
      auto t = dm::ThinPoolTable::parse(table[0]);
      auto minor = static_cast<uint32_t>(std::stoul(t.metadata_dev.substr(t.metadata_dev.find(':') + 1)));
      s_.pools[s_.loops.at(minor).id()];  // a zeroed metadata device is formatted on first use
    }
    s_.devices[name.str()] = std::move(d);
  }
  void reload(const dm::DmName& name, const std::vector<dm::TableLine>& table) override {
    s_.step("dm reload " + name.str());
    auto& d = s_.live(name);
    check_table(table);
    d.inactive = table;
  }
  void clear_inactive(const dm::DmName& name) override {
    s_.step("dm clear " + name.str());
    s_.live(name).inactive.reset();
  }
  void suspend(const dm::DmName& name) override {
    s_.step("dm suspend " + name.str());
    s_.live(name).suspended = true;
  }
  void resume(const dm::DmName& name) override {
    s_.step("dm resume " + name.str());
    auto& d = s_.live(name);
    if (d.inactive) d.table = *std::exchange(d.inactive, std::nullopt);
    d.suspended = false;
  }
  void remove(const dm::DmName& name) override {
    s_.step("dm remove " + name.str());
    if (!s_.devices.count(name.str())) return;
    if (s_.open(name.str())) throw Error(Code::Unavailable, "device " + name.str() + " is busy (open or mounted)");
    s_.devices.erase(name.str());
  }
  void message(const dm::DmName& name, const std::string& text) override {
    s_.step("dm message " + name.str() + " " + text);
    auto& d = s_.live(name);
    if (!s_.is_pool(d)) throw Error(Code::InvalidArgument, name.str() + " is not a pool");
    auto& pool = s_.pool_data(d);
    auto w = words(text);
    auto id = [&](size_t i) { return static_cast<uint32_t>(std::stoul(w.at(i))); };
    if (w[0] == "create_thin") {
      if (pool.thins.count(id(1))) throw Error(Code::AlreadyExists, "thin device exists");
      pool.thins[id(1)] = "";
    } else if (w[0] == "create_snap") {
      if (pool.thins.count(id(1))) throw Error(Code::AlreadyExists, "thin device exists");
      if (!pool.thins.count(id(2))) throw Error(Code::NotFound, "no such thin device");
      pool.thins[id(1)] = pool.thins[id(2)];
    } else if (w[0] == "delete") {
      if (!pool.thins.count(id(1))) throw Error(Code::NotFound, "message " + name.str() + ": no such thin device");
      for (const auto& [other, o] : s_.devices)
        if (o.table.at(0).target == "thin" && dm::ThinTable::parse(o.table[0]).id.value() == id(1))
          throw Error(Code::Unavailable, "thin device " + w[1] + " is active");
      pool.thins.erase(id(1));
    } else if (w[0] == "set_transaction_id") {
      if (pool.transaction_id != std::stoull(w.at(1)))
        throw Error(Code::InvalidArgument, "transaction id mismatch");
      pool.transaction_id = std::stoull(w.at(2));
    } else if (w[0] == "reserve_metadata_snap") {
      if (pool.held) throw Error(Code::InvalidArgument, "metadata snapshot already held");
      pool.held = true;
    } else if (w[0] == "release_metadata_snap") {
      if (!pool.held) throw Error(Code::InvalidArgument, "no metadata snapshot held");
      pool.held = false;
    } else {
      throw Error(Code::InvalidArgument, "unknown message " + text);
    }
  }

  std::optional<dm::DeviceInfo> info(const dm::DmName& name) override {
    s_.query("dm info " + name.str());
    auto it = s_.devices.find(name.str());
    if (it == s_.devices.end()) return std::nullopt;
    dm::DeviceInfo i;
    i.major = kDmMajor;
    i.minor = it->second.minor;
    i.suspended = it->second.suspended;
    i.live_table = true;
    i.open_count = s_.open(name.str()) ? 1 : 0;
    i.uuid = it->second.uuid;
    return i;
  }
  std::vector<dm::TableLine> table(const dm::DmName& name) override {
    s_.query("dm table " + name.str());
    return s_.live(name).table;
  }
  std::vector<dm::TableLine> status(const dm::DmName& name) override {
    s_.query("dm status " + name.str());
    auto& d = s_.live(name);
    auto line = d.table.at(0);
    if (s_.is_pool(d)) {
      auto& pool = s_.pool_data(d);
      auto t = dm::ThinPoolTable::parse(line);
      uint64_t total = t.length.value / t.block_size.value;
      line.params = std::to_string(pool.transaction_id) + " 10/1024 " + std::to_string(pool.thins.size()) + "/" +
                    std::to_string(total) + " " + (pool.held ? "5" : "-") +
                    " rw discard_passdown error_if_no_space - 1024";
    } else {
      line.params = "0 -";
    }
    return {line};
  }
  std::vector<std::string> list() override {
    s_.query("dm list");
    std::vector<std::string> out;
    for (const auto& [name, d] : s_.devices) out.push_back(name);
    return out;
  }
  std::string device_path(const dm::DmName& name) override { return "/dev/mapper/" + name.str(); }
  std::optional<std::map<std::string, std::string>> kernel_targets() override {
    return std::map<std::string, std::string>{{"thin-pool", "1.23.0"}, {"thin", "1.23.0"}};
  }

 private:
  // A thin table must name a live pool and a thin device in it (the kernel checks at load).
  void check_table(const std::vector<dm::TableLine>& table) {
    if (table.size() != 1) throw Error(Code::InvalidArgument, "one table line expected");
    if (table[0].target != "thin") return;
    auto t = dm::ThinTable::parse(table[0]);
    if (!s_.pool_of_thin(t).thins.count(t.id.value()))
      throw Error(Code::NotFound, "thin device " + std::to_string(t.id.value()) + " does not exist");
  }

  State& s_;
};

class FakeLoop final : public io::LoopHandle {
 public:
  explicit FakeLoop(uint32_t minor) : minor_(minor) {}
  std::string major_minor() const override { return mm(kLoopMajor, minor_); }

 private:
  uint32_t minor_;
};

class FakeMounter final : public io::Mounter {
 public:
  explicit FakeMounter(State& s) : s_(s) {}

  std::unique_ptr<io::LoopHandle> attach_loop(const fs::path& file) override {
    s_.step("loop attach " + file.string());
    uint32_t minor = static_cast<uint32_t>(s_.loops.size());
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(Code::NotFound, file.string() + " cannot be opened");
    s_.loops[minor] = LoopFile{io::Fd(fd)};
    return std::make_unique<FakeLoop>(minor);
  }
  uint64_t refresh_loop_capacity(const std::string& major_minor) override {
    s_.step("loop capacity " + major_minor);
    auto minor = static_cast<uint32_t>(std::stoul(major_minor.substr(major_minor.find(':') + 1)));
    return s_.loops.at(minor).size();
  }
  void make_filesystem(io::FsType, const std::string& device, const std::string& top_dir) override {
    s_.step("mkfs " + device);
    auto [pool, id] = s_.thin_at(device);
    pool->thins.at(id) = "mkfs:" + top_dir;
  }
  void mount_filesystem_dir(const std::string& device, const std::string& dir, const fs::path& target,
                            const fs::path&, const io::MountOptions&) override {
    s_.step("mount " + device + " " + dir + " " + target.string());
    auto name = fs::path(device).filename().string();
    auto& d = s_.devices.at(name);
    s_.mount_table.emplace_back(target, mm(kDmMajor, d.minor));
  }
  void unmount(const fs::path& target) override {
    s_.step("unmount " + target.string());
    for (auto it = s_.mount_table.rbegin(); it != s_.mount_table.rend(); ++it) {
      if (it->first != target) continue;
      s_.mount_table.erase(std::next(it).base());
      return;
    }
  }
  std::string mounted_device(const fs::path& path) override {
    s_.query("mounted " + path.string());
    for (auto it = s_.mount_table.rbegin(); it != s_.mount_table.rend(); ++it)
      if (it->first == path) return it->second;
    return {};
  }
  bool mount_stopped_writing(const fs::path&) override { return false; }
  std::vector<fs::path> mounts_under(const fs::path& prefix) override {
    s_.query("mounts under " + prefix.string());
    std::vector<fs::path> out;
    auto p = prefix.string();
    for (const auto& [target, dev] : s_.mount_table) {
      auto t = target.string();
      if (t == p || t.rfind(p + "/", 0) == 0) out.push_back(target);
    }
    return out;
  }
  std::map<std::string, size_t> other_namespace_mounts() override { return {}; }

 private:
  State& s_;
};

}  // namespace

FakeKernel::FakeKernel()
    : state_(std::make_unique<State>()),
      dm_(std::make_unique<FakeControl>(*state_)),
      mounts_(std::make_unique<FakeMounter>(*state_)) {}

FakeKernel::~FakeKernel() = default;

dm::Control& FakeKernel::dm() { return *dm_; }
io::Mounter& FakeKernel::mounts() { return *mounts_; }

void FakeKernel::fail_at(size_t step, bool and_every_later_one) {
  state_->fail_step = state_->steps + step;
  state_->dead_after_failure = and_every_later_one;
}

size_t FakeKernel::steps() const { return state_->steps; }
void FakeKernel::reset_steps() { state_->steps = 0; }
const std::vector<std::string>& FakeKernel::log() const { return state_->log; }

void FakeKernel::reboot() {
  state_->devices.clear();
  state_->loops.clear();
  state_->mount_table.clear();
  state_->dead = false;
  state_->fail_step = 0;
  state_->log.push_back("reboot");
}

void FakeKernel::write(const fs::path& target, const std::string& data) {
  for (auto it = state_->mount_table.rbegin(); it != state_->mount_table.rend(); ++it) {
    if (it->first != target) continue;
    const std::string* name = state_->name_of(it->second);
    auto [pool, id] = state_->thin_at("/dev/mapper/" + *name);
    pool->thins.at(id) = data;
    return;
  }
  throw Error(Code::NotFound, "nothing is mounted at " + target.string());
}

std::vector<FakeKernel::Device> FakeKernel::devices() const {
  std::vector<Device> out;
  for (const auto& [name, d] : state_->devices) out.push_back({name, d.suspended, d.inactive.has_value()});
  return out;
}

std::optional<std::string> FakeKernel::data_at(const fs::path& target) const {
  for (auto it = state_->mount_table.rbegin(); it != state_->mount_table.rend(); ++it) {
    if (it->first != target) continue;
    const std::string* name = state_->name_of(it->second);
    if (!name) return "<a removed device>";
    auto [pool, id] = state_->thin_at("/dev/mapper/" + *name);
    auto token = pool->thins.find(id);
    return token == pool->thins.end() ? "<a deleted thin device>" : token->second;
  }
  return std::nullopt;
}

std::optional<FakeKernel::Pool> FakeKernel::pool(const fs::path& meta_file) const {
  if (!fs::exists(meta_file)) return std::nullopt;
  auto it = state_->pools.find(file_id(meta_file));
  if (it == state_->pools.end()) return std::nullopt;
  return Pool{it->second.transaction_id, it->second.thins, it->second.held};
}

std::vector<std::pair<fs::path, std::string>> FakeKernel::mount_table() const { return state_->mount_table; }

}  // namespace dvol::testing
