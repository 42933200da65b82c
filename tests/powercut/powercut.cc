// dvol_powercut: one boot of the power-cut driver (scripts/powercut runs it once per cut point,
// on one kept state directory, inside the test kernel).
//
//   dvol_powercut run OP STEP DELAY_US    verify the operation the last boot was cut in, then
//                                         prepare OP and run it with a power cut at its STEP-th
//                                         crash point (io/crash_point.h), DELAY_US later
//   dvol_powercut verify                  only the verification (the sweep's last boot)
//
// Verification after the reboot, of the operation that was cut:
//   - the next dvol command works and `dvol fsck` finds no problem and had nothing to repair
//     beyond recovery itself (no leaked thin device);
//   - every commit recorded before is still there (unless the operation removes it) and its
//     device is byte-identical (checksums recorded when the commit first appeared);
//   - the volume is entirely in its state before the operation or entirely after it: checked-
//     out branch, HEAD, branches, volumes, and the content of every file;
//   - the pool's transaction id equals the metadata's, no metadata snapshot is held, and the
//     pool's thin devices (thin_ls, independent of dvol's own reader) are exactly the ones
//     its branches and commits use.
//
// Exit status: 0 when OP ran to its end without reaching the cut (STEP is past its last crash
// point: the sweep of OP is done), 1 when a check failed, 2 on misuse; a cut never returns.
// Everything lives under $DVOL_TEST_STATE/pc: the dvol root, journal.json (expectations that
// survive the cut), trace (crash points reached) and results.tsv (one line per cut).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dm/libdm_control.h"
#include "src/store.h"
#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kMain = "pc";      // the volume every branch and commit operation works on
const char* const kSpare = "pc2";    // made by init, destroyed by rm
const char* const kPlugged = "pc3";  // made by the plugin's Create, mounted by its Mount
const char* const kPeer = "pc4";     // pushes commits to the remote that kPulled pulls
const char* const kPulled = "pc5";   // a clone of the remote, pulled into
constexpr size_t kFileBytes = 192 * 1024;

fs::path state_dir() { return fs::path(std::getenv("DVOL_TEST_STATE")) / "pc"; }
fs::path root_dir() { return state_dir() / "root"; }
fs::path journal_file() { return state_dir() / "journal.json"; }

// ---- progress (DVOL_POWERCUT_VERBOSE=1: where a boot spends its time) ----

void note(const std::string& what) {
  static const bool on = std::getenv("DVOL_POWERCUT_VERBOSE") != nullptr;
  static const auto start = std::chrono::steady_clock::now();
  if (on)
    std::cerr << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()
              << " ms: " << what << "\n";
}

// ---- failures ----

std::vector<std::string> failures;
void check(bool ok, const std::string& what) {
  if (!ok) failures.push_back(what);
}

// ---- running dvol ----

std::vector<std::string> base_env() {
  std::vector<std::string> env{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DVOL_ROOT=" + root_dir().string(),
                               "DVOL_IN_TEST_KERNEL=1", "LC_ALL=C"};
  // uml-run's setting that keeps programs inside off AVX-512 on hosts where the test kernel
  // cannot keep those registers (see scripts/uml-run); without it tools misbehave.
  if (const char* t = std::getenv("GLIBC_TUNABLES")) env.push_back(std::string("GLIBC_TUNABLES=") + t);
  return env;
}

Result dvol(const std::vector<std::string>& args, std::vector<std::string> extra_env = {}) {
  std::vector<std::string> argv{dvol_binary(), "--no-docker"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto env = base_env();
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  return run_process(argv, env, {});
}

std::string ok(const std::vector<std::string>& args) {
  auto r = dvol(args);
  if (r.status != 0) {
    std::string cmd = "dvol";
    for (auto& a : args) cmd += " " + a;
    throw std::runtime_error(cmd + " failed (" + std::to_string(r.status) + "): " + r.err);
  }
  return r.out;
}

// run_process execs argv[0] as given: find the tool on the usual path.
std::vector<std::string> with_full_path(std::vector<std::string> argv) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"})
    if (fs::exists(fs::path(dir) / argv[0])) {
      argv[0] = (fs::path(dir) / argv[0]).string();
      break;
    }
  return argv;
}

Result run_quietly(const std::vector<std::string>& argv) { return run_process(with_full_path(argv), base_env(), {}); }

// ---- what a user sees ----

std::vector<std::string> volumes() {
  std::vector<std::string> out;
  for (auto& v : json::parse(ok({"--json", "list"}))) out.push_back(v["name"]);
  return out;
}

bool has_volume(const std::string& name) {
  auto v = volumes();
  return std::find(v.begin(), v.end(), name) != v.end();
}

// Relative path -> checksum of every file of the checked-out branch of `volume`.
json manifest(const std::string& volume) {
  fs::path path = lines_of(ok({"path", volume})).at(0);
  json out = json::object();
  for (auto it = fs::recursive_directory_iterator(path); it != fs::recursive_directory_iterator(); ++it) {
    auto rel = fs::relative(it->path(), path).string();
    if (rel == "lost+found") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out[rel] = checksum(read_file(it->path()));
  }
  return out;
}

// Branch, HEAD, branches and files of `volume`, plus the set of volumes.
json observe(const std::string& volume) {
  json s;
  s["volumes"] = volumes();
  if (std::find(s["volumes"].begin(), s["volumes"].end(), volume) == s["volumes"].end()) return s;
  auto st = json::parse(ok({"--json", "status", volume}));
  s["branch"] = st["branch"];
  s["head"] = st["head"].is_null() ? "" : st["head"].get<std::string>();
  std::vector<std::string> branches;
  for (auto& line : lines_of(ok({"branch", volume}))) branches.push_back(line.substr(2));
  s["branches"] = branches;
  s["files"] = manifest(volume);
  return s;
}

// ---- the pool, from outside dvol ----

struct VolumeFacts {
  std::string pool;          // dm name
  std::string meta_dev;      // major:minor
  uint64_t txn = 0;
  bool held = false;
  std::set<uint32_t> thins;  // thin ids in the pool (thin_ls)
};

fs::path db_of(const std::string& volume) { return root_dir() / "volumes" / volume / "dvol.db"; }
// The remote a volume pushes to: a directory beside the state root, kept across boots.
fs::path hub_dir(const std::string& volume) {
  auto dir = root_dir().parent_path() / ("hub-" + volume);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

VolumeFacts pool_facts(const std::string& volume) {
  auto store = MetadataStore::open(db_of(volume));
  VolumeFacts f;
  f.pool = "dvol-" + store.volume().uid + "-pool";
  dm::LibDmControl control;
  dm::DmName pool(f.pool);
  // <txn> <meta used/total> <data used/total> <held root> ...
  auto status = words(control.status(pool).at(0).params);
  f.txn = std::stoull(status.at(0));
  f.held = status.at(3) != "-";
  // <meta dev> <data dev> ...: a loop device, minor N is /dev/loopN (no udev here).
  f.meta_dev = words(control.table(pool).at(0).params).at(0);
  auto dev = "/dev/loop" + f.meta_dev.substr(f.meta_dev.find(':') + 1);
  control.message(pool, "reserve_metadata_snap");
  auto listed = run_quietly({"thin_ls", "--metadata-snap", "--no-headers", "-o", "DEV", dev});
  control.message(pool, "release_metadata_snap");
  if (listed.status != 0) throw std::runtime_error("thin_ls failed: " + listed.err);
  for (auto& line : lines_of(listed.out))
    if (!line.empty()) f.thins.insert(static_cast<uint32_t>(std::stoul(line)));
  return f;
}

// FNV-1a of a whole device, read through one reused buffer (a fresh 64 MiB string would cost a
// page fault per 4 KiB, which the test kernel makes slow).
std::string device_checksum(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> buf(1 << 20);
  uint64_t h = 1469598103934665603ull;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      throw std::runtime_error("cannot read " + path);
    }
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      h ^= buf[i];
      h *= 1099511628211ull;
    }
  }
  ::close(fd);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// FNV checksum of a thin device's whole content, read through a read-only dm device.
std::string thin_checksum(const std::string& volume, uint32_t thin_id) {
  auto store = MetadataStore::open(db_of(volume));
  auto rec = store.volume();
  dm::LibDmControl control;
  auto pool = control.info(dm::DmName("dvol-" + rec.uid + "-pool"));
  if (!pool) throw std::runtime_error(volume + ": its pool is not live");
  dm::DmName name("dvol-pccheck");
  control.remove(name);  // left by a check that a cut interrupted
  control.create(name, "",
                 {dm::TableLine{dm::Sectors{0}, dm::Sectors::from_bytes(rec.size_bytes), "thin",
                                pool->major_minor() + " " + std::to_string(thin_id)}},
                 /*read_only=*/true);
  std::string sum;
  try {
    sum = device_checksum(control.device_path(name));
  } catch (...) {
    control.remove(name);
    throw;
  }
  control.remove(name);
  return sum;
}

// ---- the journal ----

json load_journal() {
  if (!fs::exists(journal_file())) return json{{"commits", json::object()}};
  return json::parse(read_file(journal_file()));
}

void save_journal(const json& j) {
  auto tmp = journal_file().string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(1);
  }
  int fd = ::open(tmp.c_str(), O_RDONLY);
  ::fsync(fd);
  ::close(fd);
  fs::rename(tmp, journal_file());
  int dir = ::open(state_dir().c_str(), O_RDONLY | O_DIRECTORY);
  ::fsync(dir);
  ::close(dir);
}

// Forgets the commits that are gone for good (removed by an operation that took effect, which
// the check after it has accepted).
void forget_removed_commits(json& journal) {
  auto names = volumes();
  json kept = json::object();
  for (auto& [key, sum] : journal["commits"].items()) {
    auto vol = key.substr(0, key.find(':'));
    if (std::find(names.begin(), names.end(), vol) == names.end()) continue;
    if (MetadataStore::open(db_of(vol)).commit(key.substr(key.find(':') + 1))) kept[key] = sum;
  }
  journal["commits"] = kept;
}

// Records the device checksum of every commit of `volume` not seen before.
void record_commits(json& journal, const std::string& volume) {
  if (!has_volume(volume)) return;
  auto store = MetadataStore::open(db_of(volume));
  for (const auto& c : store.commits()) {
    auto key = volume + ":" + c.id;
    if (!journal["commits"].contains(key)) journal["commits"][key] = thin_checksum(volume, c.thin_id);
  }
}

// ---- verification ----

bool commit_exists(const std::string& key) {
  auto vol = key.substr(0, key.find(':'));
  if (!has_volume(vol)) return false;
  return MetadataStore::open(db_of(vol)).commit(key.substr(key.find(':') + 1)).has_value();
}

bool same_state(const json& seen, const json& expected, const std::set<std::string>& old_commits) {
  if (seen["volumes"] != expected["volumes"]) return false;
  // Commits whose presence tells the two states apart (commit -d changes nothing else).
  for (auto& key : expected.value("commits_present", json::array()))
    if (!commit_exists(key)) return false;
  for (auto& key : expected.value("commits_absent", json::array()))
    if (commit_exists(key)) return false;
  if (!expected.contains("branch")) return true;
  if (seen["branch"] != expected["branch"] || seen["branches"] != expected["branches"] ||
      seen["files"] != expected["files"])
    return false;
  if (expected["head"] == "*new*") return !old_commits.count(seen["head"].get<std::string>());
  return seen["head"] == expected["head"];
}

void verify_volume_pool(const std::string& volume) {
  auto f = pool_facts(volume);
  auto store = MetadataStore::open(db_of(volume));
  check(f.txn == store.volume().transaction_id,
        volume + ": pool transaction id " + std::to_string(f.txn) + ", metadata " +
            std::to_string(store.volume().transaction_id));
  check(!f.held, volume + ": a metadata snapshot is still held");
  std::set<uint32_t> used;
  for (auto& b : store.branches()) used.insert(b.thin_id);
  for (auto& c : store.commits()) used.insert(c.thin_id);
  for (auto id : f.thins) check(used.count(id), volume + ": thin device " + std::to_string(id) + " is in the pool but unused");
  for (auto id : used) check(f.thins.count(id), volume + ": thin device " + std::to_string(id) + " is used but missing");
  check(!store.intent(), volume + ": an intent is left after recovery");
}

// Checks the operation the last boot ran; returns "before" or "after" (or "" if neither).
std::string verify(json& journal) {
  auto& p = journal["pending"];
  std::string volume = p["volume"];
  // The next command works, and recovery alone was enough.
  note("verify");
  auto status = dvol({"status", kMain});
  note("status");
  check(status.status == 0, "dvol status after the reboot failed: " + status.err);
  auto fsck = dvol({"--json", "fsck"});
  check(fsck.status == 0, "dvol fsck found problems: " + fsck.out + fsck.err);
  std::vector<std::string> repaired;
  if (fsck.status == 0)
    for (auto& r : json::parse(fsck.out))
      for (auto& line : r["repaired"]) {
        std::string s = line;
        repaired.push_back(s);
        check(s.find("deleted thin device") == std::string::npos, r["volume"].get<std::string>() + ": fsck " + s);
      }

  note("fsck");
  std::set<std::string> old_commits;
  for (auto& [key, _] : p["before_commits"].items()) old_commits.insert(key);
  auto seen = observe(volume);
  std::string outcome = same_state(seen, p["before"], old_commits)  ? "before"
                        : same_state(seen, p["after"], old_commits) ? "after"
                                                                     : "";
  check(!outcome.empty(), "the volume is neither as before nor as after " + p["op"].get<std::string>() + ": " +
                              seen.dump() + "\nbefore: " + p["before"].dump() + "\nafter: " + p["after"].dump());

  // Committed states: every one listed before is still there (unless the operation removes
  // it and took effect) with the same bytes.
  note("observed");
  std::set<std::string> may_vanish;
  if (outcome == "after")
    for (auto& k : p["may_vanish"]) may_vanish.insert(k);
  for (auto& [key, sum] : p["before_commits"].items()) {
    auto colon = key.find(':');
    auto vol = key.substr(0, colon), id = key.substr(colon + 1);
    if (!has_volume(vol)) {
      check(may_vanish.count(key), key + ": its volume is gone");
      continue;
    }
    auto store = MetadataStore::open(db_of(vol));
    auto c = store.commit(id);
    if (!c) {
      check(may_vanish.count(key), "commit " + key + " is gone");
      continue;
    }
    check(thin_checksum(vol, c->thin_id) == sum.get<std::string>(), "commit " + key + " changed its bytes");
  }
  note("commits checked");
  // A transfer cut anywhere leaves the remote whole, and running it again finishes it.
  if (p["op"] == "push" || p["op"] == "pull") {
    const std::string pusher = p["op"] == "push" ? kMain : kPeer;
    // (A cut before the push wrote anything leaves a directory that holds no repository yet.)
    if (fs::exists(hub_dir(pusher) / "dvol-repository")) {
      auto checked = dvol({"remote", "verify", pusher});
      check(checked.status == 0, "the remote does not verify after the cut: " + checked.err);
    }
    auto again = dvol(p["op"] == "push" ? std::vector<std::string>{"push", kMain} : std::vector<std::string>{"pull", kPulled});
    check(again.status == 0, "running " + p["op"].get<std::string>() + " again failed: " + again.err);
    auto checked = dvol({"remote", "verify", pusher});
    check(checked.status == 0, "the remote does not verify after the second " + p["op"].get<std::string>() + ": " + checked.err);
    if (p["op"] == "pull")
      check(json::parse(ok({"--json", "status", kPulled}))["head"] == p["after"]["head"], "the second pull did not reach the peer's head");
    note("transfer resumed");
  }
  for (const auto& v : volumes()) verify_volume_pool(v);
  note("pools checked");

  std::ofstream(state_dir() / "results.tsv", std::ios::app)
      << p["op"].get<std::string>() << "\t" << p["step"] << "\t" << p["delay"] << "\t"
      << (outcome.empty() ? "FAILED" : outcome) << "\t" << json(repaired).dump() << "\n";
  journal.erase("pending");
  return outcome;
}

// ---- preparing an operation ----

unsigned next_seed(json& journal) {
  unsigned s = journal.value("seed", 1u);
  journal["seed"] = s + 1;
  return s;
}

fs::path main_path() { return lines_of(ok({"path", kMain})).at(0); }

void dirty(json& journal) {
  unsigned seed = next_seed(journal);
  write_data(main_path() / ("f" + std::to_string(seed % 5)), kFileBytes, seed);
  ::sync();
}

// Commits fresh data on the main volume; remembers the files of the new commit.
std::string make_commit(json& journal, const std::string& message) {
  dirty(journal);
  ok({"commit", "-m", message, kMain});
  std::string head = json::parse(ok({"--json", "status", kMain}))["head"];
  journal["files"][std::string(kMain) + ":" + head] = manifest(kMain);
  return head;
}

bool uncommitted(const std::string& volume) {
  auto s = json::parse(ok({"--json", "status", volume}));
  return s["uncommitted_changes"].is_boolean() && s["uncommitted_changes"].get<bool>();
}

// Commits of `volume` reachable from no branch once `heads` are the branch heads.
std::set<std::string> reachable(const std::string& volume, const std::map<std::string, std::string>& heads) {
  auto store = MetadataStore::open(db_of(volume));
  std::set<std::string> out;
  for (auto [branch, head] : heads) {
    for (std::string id = head; !id.empty();) {
      if (!out.insert(id).second) break;
      auto c = store.commit(id);
      id = c && c->parent ? *c->parent : "";
    }
  }
  return out;
}

std::map<std::string, std::string> branch_heads(const std::string& volume) {
  auto store = MetadataStore::open(db_of(volume));
  std::map<std::string, std::string> out;
  for (auto& b : store.branches()) out[b.name] = b.head.value_or("");
  return out;
}

struct Prepared {
  std::vector<std::string> args;  // dvol arguments, or the plugin request
  std::string volume = kMain;
  json after;
  std::vector<std::string> may_vanish;
  std::string plugin_call;  // non-empty: POST this endpoint to a plugin instead of running dvol
  std::string plugin_body;
};

std::string first_other_branch(const std::string& current) {
  for (auto& line : lines_of(ok({"branch", kMain})))
    if (line.substr(2) != current) return line.substr(2);
  return "";
}

// Brings the state to what OP needs and says what running it should lead to.
Prepared prepare(json& journal, const std::string& op, json& before) {
  Prepared p;
  if (!has_volume(kMain)) {
    ok({"init", kMain, "--size", "64M"});
    make_commit(journal, "first");
    ok({"checkout", "-b", "side", kMain});
    make_commit(journal, "on side");
    ok({"checkout", "master", kMain});
    make_commit(journal, "second");
  }
  // Start every operation from committed data, except where it makes its own changes.
  if (uncommitted(kMain)) make_commit(journal, "tidy");
  auto current = json::parse(ok({"--json", "status", kMain}))["branch"].get<std::string>();
  if (op == "commit") {
    dirty(journal);
    p.args = {"commit", "-m", "cut", kMain};
  } else if (op == "checkout-b") {
    std::string name = "b" + std::to_string(next_seed(journal));
    p.args = {"checkout", "-b", name, kMain};
  } else if (op == "checkout") {
    if (first_other_branch(current).empty()) ok({"checkout", "-b", "side", kMain});
    auto other = first_other_branch(current);
    p.args = {"checkout", other, kMain};
  } else if (op == "reset") {
    auto store_heads = branch_heads(kMain);
    auto store = MetadataStore::open(db_of(kMain));
    auto head = store.commit(store_heads[current]);
    if (!head || !head->parent) make_commit(journal, "for reset");
    dirty(journal);  // reset --hard also throws away uncommitted data
    p.args = {"reset", "--hard", "HEAD^", kMain};
  } else if (op == "branch-d") {
    std::string victim;
    for (auto& [name, _] : branch_heads(kMain))
      if (name != current && name != "master" && name != "side") victim = name;
    if (victim.empty()) {
      victim = "d" + std::to_string(next_seed(journal));
      ok({"checkout", "-b", victim, kMain});
      make_commit(journal, "only on " + victim);
      ok({"checkout", current, kMain});
    }
    p.args = {"branch", "-d", victim, kMain};
  } else if (op == "commit-d") {
    auto victim = make_commit(journal, "to delete");
    make_commit(journal, "after it");
    p.args = {"commit", "-d", victim, kMain};
    p.may_vanish.push_back(std::string(kMain) + ":" + victim);
  } else if (op == "diff") {
    // Uncommitted data for it to find (and mount, with -v); a diff changes nothing, so its
    // state after is its state before, and its snapshot must not outlive the reboot.
    dirty(journal);
    p.args = {"diff", "-v", kMain};
  } else if (op == "init") {
    if (has_volume(kSpare)) ok({"rm", "-f", kSpare});
    p.volume = kSpare;
    p.args = {"init", kSpare, "--size", "64M"};
  } else if (op == "rm") {
    if (!has_volume(kSpare)) {
      ok({"init", kSpare, "--size", "64M"});
      write_data(fs::path(lines_of(ok({"path", kSpare})).at(0)) / "spare", kFileBytes, next_seed(journal));
      ::sync();
      ok({"commit", "-m", "spare", kSpare});
    }
    p.volume = kSpare;
    p.args = {"rm", "-f", kSpare};
  } else if (op == "plugin-create") {
    if (has_volume(kPlugged)) ok({"rm", "-f", kPlugged});
    p.volume = kPlugged;
    p.plugin_call = "VolumeDriver.Create";
    p.plugin_body = std::string(R"({"Name":")") + kPlugged + R"(","Opts":{"size":"64M"}})";
  } else if (op == "plugin-mount") {
    if (!has_volume(kPlugged)) ok({"init", kPlugged, "--size", "64M"});
    p.volume = kPlugged;
    p.plugin_call = "VolumeDriver.Mount";
    p.plugin_body = std::string(R"({"Name":")") + kPlugged + R"(","ID":"pc"})";
  } else if (op == "push") {
    // The main volume's checked-out branch, with a new commit, to a remote in a directory.
    if (lines_of(ok({"remote", kMain})).empty()) ok({"remote", "add", "origin", "file://" + hub_dir(kMain).string(), kMain});
    make_commit(journal, "to push");
    p.args = {"push", kMain};
  } else if (op == "pull") {
    // kPeer pushes a commit; kPulled, a clone of the same remote, pulls it.
    auto peer_commit = [&] {
      unsigned seed = next_seed(journal);
      write_data(fs::path(lines_of(ok({"path", kPeer})).at(0)) / ("p" + std::to_string(seed % 3)), kFileBytes, seed);
      ::sync();
      ok({"commit", "-m", "from the peer", kPeer});
      ok({"push", kPeer});
    };
    if (!has_volume(kPeer)) {
      ok({"init", kPeer, "--size", "64M"});
      ok({"remote", "add", "origin", "file://" + hub_dir(kPeer).string(), kPeer});
      peer_commit();
    }
    if (!has_volume(kPulled)) ok({"clone", "file://" + hub_dir(kPeer).string(), kPulled});
    peer_commit();
    if (uncommitted(kPulled)) ok({"reset", "--hard", "HEAD", kPulled});
    p.volume = kPulled;
    p.args = {"pull", kPulled};
  } else {
    throw std::invalid_argument("unknown operation " + op);
  }

  before = observe(p.volume);
  p.after = before;
  // Unmounted (after observing, which mounts), as when no container has used it since a reboot.
  if (op == "plugin-mount") run_quietly({"umount", lines_of(ok({"path", kPlugged})).at(0)});
  if (op == "commit") {
    p.after["head"] = "*new*";
  } else if (op == "checkout-b") {
    p.after["branch"] = p.args[2];
    auto b = p.after["branches"].get<std::vector<std::string>>();
    b.push_back(p.args[2]);
    std::sort(b.begin(), b.end());
    p.after["branches"] = b;
  } else if (op == "checkout") {
    auto heads = branch_heads(kMain);
    auto target = p.args[1];
    p.after["branch"] = target;
    p.after["head"] = heads[target];
    p.after["files"] = journal["files"][std::string(kMain) + ":" + heads[target]];
  } else if (op == "reset") {
    auto heads = branch_heads(kMain);
    auto store = MetadataStore::open(db_of(kMain));
    auto parent = *store.commit(heads[current])->parent;
    p.after["head"] = parent;
    p.after["files"] = journal["files"][std::string(kMain) + ":" + parent];
    auto kept = heads;
    kept[current] = parent;
    auto live = reachable(kMain, kept);
    for (auto& c : store.commits())
      if (!live.count(c.id)) p.may_vanish.push_back(std::string(kMain) + ":" + c.id);
  } else if (op == "branch-d") {
    auto victim = p.args[2];
    auto b = p.after["branches"].get<std::vector<std::string>>();
    b.erase(std::remove(b.begin(), b.end(), victim), b.end());
    p.after["branches"] = b;
    auto heads = branch_heads(kMain);
    heads.erase(victim);
    auto live = reachable(kMain, heads);
    auto store = MetadataStore::open(db_of(kMain));
    for (auto& c : store.commits())
      if (!live.count(c.id)) p.may_vanish.push_back(std::string(kMain) + ":" + c.id);
  } else if (op == "pull") {
    // The branch becomes the peer's head, with the peer's files.
    p.after["head"] = json::parse(ok({"--json", "status", kPeer}))["head"];
    p.after["files"] = manifest(kPeer);
  } else if (op == "commit-d") {
    // Nothing the user sees of the branch changes; only the commit goes.
    before["commits_present"] = p.may_vanish;
    p.after["commits_absent"] = p.may_vanish;
  } else if (op == "init" || op == "plugin-create") {
    auto v = before["volumes"].get<std::vector<std::string>>();
    v.push_back(p.volume);
    std::sort(v.begin(), v.end());
    p.after = json{{"volumes", v}};
    before = json{{"volumes", before["volumes"]}};
  } else if (op == "rm") {
    auto v = before["volumes"].get<std::vector<std::string>>();
    v.erase(std::remove(v.begin(), v.end(), std::string(kSpare)), v.end());
    p.after = json{{"volumes", v}};
    before = json{{"volumes", before["volumes"]}};
    auto store = MetadataStore::open(db_of(kSpare));
    for (auto& c : store.commits()) p.may_vanish.push_back(std::string(kSpare) + ":" + c.id);
  }
  return p;
}

// Remembers the files of every commit of the main volume made so far: a commit's files are
// those of the checked-out branch when it is first seen right after being made.
void remember_head_files(json& journal) {
  auto st = json::parse(ok({"--json", "status", kMain}));
  if (st["head"].is_null() || uncommitted(kMain)) return;
  auto key = std::string(kMain) + ":" + st["head"].get<std::string>();
  if (!journal["files"].contains(key)) journal["files"][key] = manifest(kMain);
}

// ---- running an operation with a cut ----

std::vector<std::string> crash_env(const std::string& step, const std::string& delay) {
  return {"DVOL_CRASH_AT=" + step, "DVOL_CRASH_DELAY_US=" + delay, "DVOL_CRASH_TRACE=" + (state_dir() / "trace").string()};
}

// Starts `dvol plugin` with the crash settings and sends it one request; returns its reply.
Result call_plugin(const Prepared& p, const std::vector<std::string>& env) {
  auto socket = state_dir() / "plugin.sock";
  fs::remove(socket);
  std::vector<std::string> argv{"sh", "-c",
                                "\"$0\" --no-docker plugin --socket \"$1\" & pid=$!; "
                                "i=0; while [ ! -S \"$1\" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done; "
                                "curl -s --unix-socket \"$1\" -X POST \"http://plugin/$2\" --data-binary \"$3\"; rc=$?; "
                                "kill $pid; wait $pid; exit $rc",
                                dvol_binary(), socket.string(), p.plugin_call, p.plugin_body};
  auto e = base_env();
  e.insert(e.end(), env.begin(), env.end());
  return run_process(with_full_path(argv), e, {});
}

size_t trace_lines() {
  auto t = state_dir() / "trace";
  return fs::exists(t) ? lines_of(read_file(t)).size() : 0;
}

int run(const std::string& op, const std::string& step, const std::string& delay) {
  fs::create_directories(root_dir());
  auto journal = load_journal();
  if (journal.contains("pending")) {
    verify(journal);
    save_journal(journal);
    if (!failures.empty()) return 1;
  }
  if (has_volume(kMain)) remember_head_files(journal);
  json before;
  note("prepare");
  auto p = prepare(journal, op, before);
  note("prepared");
  remember_head_files(journal);
  forget_removed_commits(journal);
  record_commits(journal, kMain);
  record_commits(journal, kSpare);
  record_commits(journal, kPlugged);
  record_commits(journal, kPulled);

  json pending{{"op", op}, {"step", std::stoul(step)}, {"delay", std::stoul(delay)}, {"volume", p.volume},
               {"before", before}, {"after", p.after}, {"may_vanish", p.may_vanish}};
  pending["before_commits"] = journal["commits"];
  journal["pending"] = pending;
  save_journal(journal);
  ::sync();

  fs::remove(state_dir() / "trace");
  note("journal saved, running " + op);
  auto env = crash_env(step, delay);
  Result r = p.plugin_call.empty() ? dvol(p.args, env) : call_plugin(p, env);
  // Here the operation ran to its end: the cut point lies past its last step.
  if (!p.plugin_call.empty() && r.out.find("\"Err\":\"\"") == std::string::npos) r.status = 1;
  if (r.status != 0) {
    std::cerr << "powercut: " << op << " failed without a cut: " << r.err << r.out << "\n";
    return 1;
  }
  std::cout << "completed: " << op << " has " << trace_lines() << " crash points\n";
  return 0;
}

int verify_only() {
  auto journal = load_journal();
  if (journal.contains("pending")) {
    auto outcome = verify(journal);
    save_journal(journal);
    std::cout << "last operation: " << (outcome.empty() ? "FAILED" : outcome) << "\n";
  }
  return failures.empty() ? 0 : 1;
}

}  // namespace
}  // namespace dvol::test

int main(int argc, char** argv) {
  using namespace dvol::test;
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc = 2;
  try {
    if (args.size() == 4 && args[0] == "run")
      rc = run(args[1], args[2], args[3]);
    else if (args.size() == 1 && args[0] == "verify")
      rc = verify_only();
    else
      std::cerr << "usage: dvol_powercut run OP STEP DELAY_US | verify\n";
  } catch (const std::exception& e) {
    failures.push_back(std::string("error: ") + e.what());
    rc = 1;
  }
  for (const auto& f : failures) std::cerr << "FAILED: " << f << "\n";
  return failures.empty() ? rc : 1;
}
