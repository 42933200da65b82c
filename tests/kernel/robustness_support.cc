#include "tests/kernel/robustness_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "dm/libdm_control.h"
#include "dm/table.h"
#include "io/mount.h"

extern char** environ;

namespace dvol::test {

namespace fs = std::filesystem;

// ---- Background ----

Background::Background(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const fs::path& dir, const std::string& tag)
    : out_(dir / (tag + ".out")), err_(dir / (tag + ".err")) {
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || in < 0) throw std::runtime_error("cannot open output files in " + dir.string());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork");
  if (pid_ == 0) {
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(in);
  ::close(out);
  ::close(err);
}

Background::Background(Background&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), out_(std::move(o.out_)), err_(std::move(o.err_)) {}

Background::~Background() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int ignored = 0;
  while (::waitpid(pid_, &ignored, 0) < 0 && errno == EINTR) {
  }
}

void Background::kill_now() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

Result Background::wait() {
  Result r;
  int wstatus = 0;
  while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = read_file(out_);
  r.err = read_file(err_);
  return r;
}

std::vector<std::string> dvol_env(const fs::path& root, const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto key = kv.substr(0, kv.find('='));
    if (key == "DVOL_ROOT" || key == "DVOL_DEBUG") continue;
    bool replaced = false;
    for (auto& [k, v] : extra) replaced |= k == key;
    if (!replaced) env.push_back(kv);
  }
  env.push_back("DVOL_ROOT=" + root.string());
  for (auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

Result run_tool(const std::vector<std::string>& argv) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  return run_process(argv, env, {});
}

// ---- the plugin's protocol ----

namespace {

int connect_unix(const fs::path& socket) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

PluginReply plugin_call(const fs::path& socket, const std::string& method, const nlohmann::json& body) {
  PluginReply reply;
  int fd = connect_unix(socket);
  if (fd < 0) return reply;
  std::string payload = body.dump();
  std::string request = "POST /" + method + " HTTP/1.1\r\nHost: plugin\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(payload.size()) + "\r\n\r\n" + payload;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\n<body>"
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return reply;
  reply.http_status = std::atoi(response.c_str() + 9);
  auto end = response.find("\r\n\r\n");
  reply.raw = end == std::string::npos ? "" : response.substr(end + 4);
  reply.body = nlohmann::json::parse(reply.raw, nullptr, /*allow_exceptions=*/false);
  return reply;
}

bool wait_for_socket(const fs::path& socket, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = connect_unix(socket);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// ---- invariants ----

namespace {

struct Sqlite {
  sqlite3* db = nullptr;
  explicit Sqlite(const fs::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path.string());
    sqlite3_busy_timeout(db, 10'000);
  }
  ~Sqlite() { sqlite3_close_v2(db); }
  // Every row of `sql`, each column as text.
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db));
    std::vector<std::vector<std::string>> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        auto* t = sqlite3_column_text(s, i);
        row.push_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error(sql + ": " + sqlite3_errmsg(db));
    return out;
  }
};

}  // namespace

VolumeFacts read_volume_db(const fs::path& db_path) {
  Sqlite db(db_path);
  VolumeFacts f;
  auto v = db.rows("SELECT uid, checked_out, transaction_id FROM volume WHERE id = 1");
  if (v.size() != 1) throw std::runtime_error(db_path.string() + ": no volume row");
  f.uid = v[0][0];
  f.checked_out = v[0][1];
  f.store_transaction_id = std::stoull(v[0][2]);
  for (auto& row : db.rows("SELECT name, thin_id FROM branches")) {
    f.branch_thins.push_back(static_cast<uint32_t>(std::stoul(row[1])));
    if (row[0] == f.checked_out) f.checked_out_thin = static_cast<uint32_t>(std::stoul(row[1]));
  }
  for (auto& row : db.rows("SELECT thin_id FROM commits")) f.commit_thins.push_back(static_cast<uint32_t>(std::stoul(row[0])));
  f.intent_pending = !db.rows("SELECT op FROM intent").empty();
  return f;
}

std::vector<std::string> volume_invariant_violations(const fs::path& volume_dir) {
  std::vector<std::string> bad;
  VolumeFacts f;
  try {
    f = read_volume_db(volume_dir / "dvol.db");
  } catch (const std::exception& e) {
    return {std::string("cannot read the store: ") + e.what()};
  }
  if (f.intent_pending) bad.push_back("an intent is left in the store");
  dm::LibDmControl control;
  const std::string prefix = "dvol-" + f.uid + "-";
  const std::string pool = prefix + "pool";
  const std::string branch = prefix + std::to_string(f.checked_out_thin);
  std::vector<std::string> ours;
  for (auto& name : control.list())
    if (name.rfind(prefix, 0) == 0) ours.push_back(name);
  for (auto& name : ours) {
    if (name != pool && name != branch) bad.push_back("leftover dm device " + name);
    auto info = control.info(dm::DmName(name));
    if (info && info->suspended) bad.push_back("dm device " + name + " is suspended");
  }
  if (!control.info(dm::DmName(pool))) {
    bad.push_back("pool " + pool + " is not live");
    return bad;
  }
  auto lines = control.status(dm::DmName(pool));
  if (lines.size() != 1) {
    bad.push_back("pool " + pool + " has " + std::to_string(lines.size()) + " status lines");
    return bad;
  }
  auto status = dm::ThinPoolStatus::parse(lines[0].params);
  if (status.transaction_id != f.store_transaction_id)
    bad.push_back("pool transaction id " + std::to_string(status.transaction_id) + " but the store has " +
                  std::to_string(f.store_transaction_id));
  if (status.held_metadata_root) bad.push_back("a metadata snapshot is held");
  if (status.failed || status.needs_check) bad.push_back("the pool has failed or needs a check");
  auto branch_info = control.info(dm::DmName(branch));
  if (!branch_info) {
    bad.push_back("the checked-out branch " + f.checked_out + " (" + branch + ") is not live");
  } else if (io::mounted_device(volume_dir / "mnt") != branch_info->major_minor()) {
    bad.push_back("mnt/ does not hold the checked-out branch " + f.checked_out);
  }
  for (auto& m : io::mounts_under(volume_dir))
    if (m != volume_dir / "mnt") bad.push_back("leftover mount " + m.string());
  return bad;
}

std::string joined(const std::vector<std::string>& lines) {
  std::ostringstream s;
  for (auto& l : lines) s << "\n  " << l;
  return s.str();
}

}  // namespace dvol::test
