#include "tests/kernel/cli_fixture.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

#include "dm/libdm_control.h"
#include "io/loop_device.h"
#include "io/mount.h"

extern char** environ;

namespace dvol::test {

namespace fs = std::filesystem;

namespace {

constexpr int kCommandTimeoutSeconds = 180;

std::string flat_name(const std::string& volume) {
  std::string flat = volume;
  for (auto& c : flat)
    if (c == '/') c = '+';
  return flat;
}

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the child closed its stdin early: what it read is what counts
    done += static_cast<size_t>(n);
  }
}

}  // namespace

std::string Result::err_line(size_t i) const {
  auto lines = lines_of(err);
  return i < lines.size() ? lines[i] : "";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

Result run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const RunOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);  // a child that does not read its stdin must not kill the test
  int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  if (options.input && ::pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    int in_fd = options.input ? in_pipe[0] : ::open("/dev/null", O_RDONLY);
    ::dup2(in_fd, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    if (options.as_nobody) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(126);
    }
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (options.input) {
    ::close(in_pipe[0]);
    write_all(in_pipe[1], *options.input);
    ::close(in_pipe[1]);
  }

  Result r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  auto deadline = start + std::chrono::seconds(kCommandTimeoutSeconds);
  bool killed = false;
  while (open_fds > 0) {
    int n = ::poll(fds, 2, 1000);
    if (n < 0 && errno == EINTR) continue;
    if (!killed && std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);  // a hung dvol must not hang the suite
      killed = true;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (killed) r.err += "[test: killed after " + std::to_string(kCommandTimeoutSeconds) + " s]\n";
  return r;
}

std::string dvol_binary() { return DVOL_BINARY; }

std::string DataStream::next(size_t n) {
  std::string data(n, '\0');
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = gen_();
    std::memcpy(&data[i], &v, 8);
  }
  for (; i < n; ++i) data[i] = static_cast<char>(gen_());
  return data;
}

std::string data_for(size_t bytes, unsigned seed) { return DataStream(seed).next(bytes); }

namespace {
constexpr size_t kPiece = 1 << 20;
}  // namespace

void write_data(const fs::path& file, size_t bytes, unsigned seed) {
  DataStream stream(seed);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  for (size_t done = 0; done < bytes;) {
    auto piece = stream.next(std::min(kPiece, bytes - done));
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    done += piece.size();
  }
  out.close();
  if (!out) throw std::runtime_error("cannot write " + file.string());
  ::sync();
}

bool holds_data(const fs::path& file, size_t bytes, unsigned seed) {
  std::error_code ec;
  if (fs::file_size(file, ec) != bytes || ec) return false;
  std::ifstream in(file, std::ios::binary);
  DataStream stream(seed);
  std::string got(kPiece, '\0');
  for (size_t done = 0; done < bytes;) {
    size_t n = std::min(kPiece, bytes - done);
    in.read(got.data(), static_cast<std::streamsize>(n));
    if (static_cast<size_t>(in.gcount()) != n || got.compare(0, n, stream.next(n)) != 0) return false;
    done += n;
  }
  return true;
}

void overwrite_in_place(const fs::path& file, unsigned seed) {
  auto size = fs::file_size(file);
  DataStream stream(seed);
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + file.string());
  for (size_t done = 0; done < size;) {
    auto piece = stream.next(std::min<size_t>(kPiece, size - done));
    write_all(fd, piece);
    done += piece.size();
  }
  ::fsync(fd);
  ::close(fd);
  ::sync();
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string checksum(const std::string& data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::set<std::string> dvol_dm_devices() {
  dm::LibDmControl control;
  std::set<std::string> out;
  for (auto& name : control.list())
    if (name.rfind("dvol-", 0) == 0) out.insert(name);
  return out;
}

std::vector<std::string> loops_under(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  std::string prefix = dir.string() + "/";
  for (const auto& entry : fs::directory_iterator("/sys/block", ec)) {
    auto name = entry.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    std::ifstream in(entry.path() / "loop" / "backing_file");
    std::string backing;
    if (!std::getline(in, backing)) continue;
    if (backing.rfind(prefix, 0) == 0) out.push_back("/dev/" + name + " on " + backing);
  }
  return out;
}

// ---- CliTest ----

void CliTest::SetUp() {
  const char* state = std::getenv("DVOL_TEST_STATE");
  ASSERT_NE(state, nullptr) << "run inside the test kernel (scripts/uml-run)";
  std::random_device rd;
  std::ostringstream t;
  t << "cli-" << std::hex << (rd() & 0xffffff);
  root_ = fs::path(state) / t.str();
  fs::create_directories(root_);
  dm_before_ = dvol_dm_devices();
}

fs::path CliTest::volume_dir(const std::string& volume) const { return root_ / "volumes" / flat_name(volume); }

Result CliTest::dvol(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv{dvol_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env;
  std::set<std::string> replaced{"DVOL_ROOT", "DVOL_DEBUG"};
  for (auto& [k, v] : options.env) replaced.insert(k);
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!replaced.count(kv.substr(0, kv.find('=')))) env.push_back(kv);
  }
  env.push_back("DVOL_ROOT=" + root_.string());
  for (auto& [k, v] : options.env) env.push_back(k + "=" + v);
  return run_process(argv, env, options);
}

std::string CliTest::ok(const std::vector<std::string>& args, const RunOptions& options) {
  auto r = dvol(args, options);
  if (r.status != 0) {
    std::string cmd = "dvol";
    for (auto& a : args) cmd += " '" + a + "'";
    throw std::runtime_error(cmd + " exited " + std::to_string(r.status) + ":\n" + r.err);
  }
  return r.out;
}

void CliTest::init(const std::string& volume, const std::vector<std::string>& extra) {
  std::vector<std::string> args{"init", volume, "--size", "256M"};
  args.insert(args.end(), extra.begin(), extra.end());
  ok(args);
}

std::string CliTest::commit(const std::string& message, const std::string& volume) {
  std::vector<std::string> args{"commit", "-m", message};
  if (!volume.empty()) args.push_back(volume);
  auto out = ok(args);
  if (out.size() != 41 || out.back() != '\n') throw std::runtime_error("commit printed '" + out + "'");
  return out.substr(0, 40);
}

fs::path CliTest::mount(const std::string& volume) {
  auto out = ok({"path", volume});
  if (out.empty() || out.back() != '\n') throw std::runtime_error("path printed '" + out + "'");
  return out.substr(0, out.size() - 1);
}

uint64_t CliTest::used_bytes(const std::string& volume) {
  auto list = nlohmann::json::parse(ok({"--json", "list"}));
  for (auto& v : list)
    if (v.at("name") == volume) return v.at("size_bytes").get<uint64_t>();
  throw std::runtime_error("volume " + volume + " not in dvol --json list");
}

std::map<std::string, std::string> CliTest::files_in(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    auto rel = fs::relative(it->path(), dir).string();
    if (it->is_regular_file()) out[rel] = read_file(it->path());
    else if (it->is_directory()) out[rel + "/"] = "";
  }
  return out;
}

std::set<std::string> CliTest::names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.insert(entry.path().filename().string());
  return out;
}

CliTest::View CliTest::view(const std::string& volume) {
  View v;
  auto list = nlohmann::json::parse(ok({"--json", "list"}));
  for (auto& entry : list) entry.erase("size_bytes");
  v.list = list.dump();
  v.log = ok({"log", volume});
  v.branches = ok({"branch", volume});
  // The path asked once: if a command unmounted the branch, its files are missing here.
  if (!mounts_.count(volume)) mounts_[volume] = mount(volume);
  v.files = files_in(mounts_[volume]);
  return v;
}

void PrintTo(const CliTest::View& v, std::ostream* os) {
  *os << "\n  list: " << v.list << "\n  log:\n" << v.log << "  branches:\n" << v.branches << "  files:";
  for (auto& [name, data] : v.files) *os << " " << name << "(" << data.size() << " bytes, " << checksum(data) << ")";
  *os << "\n";
}

std::set<std::string> CliTest::new_dm_devices() const {
  std::set<std::string> out;
  for (auto& name : dvol_dm_devices())
    if (!dm_before_.count(name)) out.insert(name);
  return out;
}

void CliTest::TearDown() {
  if (root_.empty() || keep_state_) return;
  // Every volume of the root goes through `dvol rm -f`: the removal is part of what is tested.
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / "volumes", ec)) {
    auto flat = entry.path().filename().string();
    files.push_back(entry.path() / "data.img");
    files.push_back(entry.path() / "meta.img");
    if (flat.empty() || flat[0] == '.') continue;  // a half-made volume: checked below
    std::string name = flat;
    for (auto& c : name)
      if (c == '+') c = '/';
    auto r = dvol({"rm", "-f", name});
    EXPECT_EQ(r.status, 0) << "dvol rm -f " << name << " in TearDown: " << r.err;
  }
  EXPECT_EQ(io::mounts_under(root_), std::vector<fs::path>{}) << "mounts left under " << root_;
  EXPECT_EQ(new_dm_devices(), std::set<std::string>{}) << "dm devices left behind";
  EXPECT_EQ(loops_under(root_), std::vector<std::string>{}) << "loop devices left on files of the root";
  for (const auto& f : files) EXPECT_EQ(io::find_loop_device(f), std::nullopt) << f;
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(root_ / "volumes", ec)) left.push_back(entry.path().filename());
  EXPECT_EQ(left, std::vector<std::string>{}) << "volume directories left under " << root_ / "volumes";
  remove_leftovers();
}

void CliTest::remove_leftovers() {
  // By hand, whatever dvol left, so that the next test starts clean.
  auto mounts = io::mounts_under(root_);
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    try { io::unmount(*it); } catch (...) {}  // ignored: best effort after a failure
  }
  dm::LibDmControl control;
  for (int pass = 0; pass < 3; ++pass) {
    for (auto& name : new_dm_devices()) {
      try {
        dm::DmName n(name);
        if (auto info = control.info(n); info && info->suspended) control.resume(n);
        control.remove(n);
      } catch (...) {}  // ignored: a pool still held by a thin device goes in the next pass
    }
  }
  std::error_code ec;
  fs::remove_all(root_, ec);
}

}  // namespace dvol::test
