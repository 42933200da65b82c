// dvol du and --dry-run deletes on the real kernel: on random histories (several branches,
// snapshots of snapshots, commits and branches deleted in random order), du's per-state figures
// equal thin_ls's (thin-provisioning-tools reads the same metadata independently of dvol), and
// each real delete makes the pool's used data drop by exactly what its dry run said.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "dm/libdm_control.h"
#include "src/size_format.h"
#include "src/store.h"
#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class DuTest : public CliTest {
 protected:
  // The pool's used data bytes, as `dvol status` reports it from the pool.
  uint64_t pool_used() {
    ::sync();  // the live branch's writes reach the pool first
    return json::parse(ok({"--json", "status", "v"})).at("data_used_bytes").get<uint64_t>();
  }

  // thin id -> {mapped, exclusive} blocks per thin_ls on a held metadata snapshot.
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> thin_ls() {
    auto store = MetadataStore::open(volume_dir("v") / "dvol.db");
    dm::LibDmControl control;
    dm::DmName pool("dvol-" + store.volume().uid + "-pool");
    std::istringstream table(control.table(pool).at(0).params);
    std::string meta_dev;
    table >> meta_dev;  // a loop device "7:N": /dev/loopN (no udev here)
    auto dev = "/dev/loop" + meta_dev.substr(meta_dev.find(':') + 1);
    control.message(pool, "reserve_metadata_snap");
    auto listed = run_process({"/usr/sbin/thin_ls", "--metadata-snap", "--no-headers", "-o",
                               "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS", dev},
                              {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, {});
    control.message(pool, "release_metadata_snap");
    EXPECT_EQ(listed.status, 0) << listed.err;
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> out;
    std::istringstream in(listed.out);
    for (uint64_t id, mapped, exclusive; in >> id >> mapped >> exclusive;)
      out[static_cast<uint32_t>(id)] = {mapped, exclusive};
    return out;
  }

  // du's figures against thin_ls's, state by state.
  void expect_du_agrees_with_thin_ls() {
    ::sync();
    auto du = json::parse(ok({"--json", "du", "v"}));
    auto store = MetadataStore::open(volume_dir("v") / "dvol.db");
    const uint64_t block = uint64_t{store.volume().block_sectors} * 512;
    auto oracle = thin_ls();
    size_t states = 0;
    for (const auto& s : du.at("states")) {
      auto name = s.at("name").get<std::string>();
      uint32_t id = s.at("kind") == "branch" ? store.branch(name)->thin_id : store.commit(name)->thin_id;
      ASSERT_TRUE(oracle.count(id)) << name;
      EXPECT_EQ(s.at("referenced_bytes").get<uint64_t>(), oracle[id].first * block) << name;
      EXPECT_EQ(s.at("exclusive_bytes").get<uint64_t>(), oracle[id].second * block) << name;
      ++states;
    }
    EXPECT_EQ(states, oracle.size()) << "du lists every thin device of the pool";
  }
};

TEST_F(DuTest, RandomHistoriesAgreeWithThinLsAndDeletesFreeExactlyWhatTheirDryRunSaid) {
  std::mt19937 rng(20261207);
  init("v");
  auto mnt = mount("v");
  std::vector<std::string> branches{"master"};
  unsigned seed = 1;
  // Writes, commits, branches from HEAD (snapshots of snapshots) and switches, at random.
  for (int step = 0; step < 24; ++step) {
    switch (rng() % 5) {
      case 0:
      case 1:
        write_data(mnt / ("f" + std::to_string(rng() % 6)), (1 + rng() % 16) * 65536, seed++);
        break;
      case 2:
        commit("step " + std::to_string(step), "v");
        break;
      case 3:
        if (ok({"--json", "log", "v"}) == "[]\n") break;
        branches.push_back("b" + std::to_string(step));
        ok({"checkout", "-b", branches.back(), "--force", "v"});
        break;
      case 4:
        ok({"checkout", branches[rng() % branches.size()], "v"});
        break;
    }
  }
  commit("last", "v");
  expect_du_agrees_with_thin_ls();

  // Delete commits and branches in random order, each after its dry run.
  for (int round = 0; round < 8; ++round) {
    auto du = json::parse(ok({"--json", "du", "v"}));
    std::vector<std::pair<std::string, std::string>> candidates;  // kind, name
    for (const auto& s : du.at("states"))
      if (!s.at("checked_out").get<bool>()) candidates.emplace_back(s.at("kind"), s.at("name"));
    if (candidates.empty()) break;
    auto [kind, name] = candidates[rng() % candidates.size()];
    std::vector<std::string> del = kind == "commit" ? std::vector<std::string>{"commit", "-d", name, "v"}
                                                    : std::vector<std::string>{"branch", "-d", name, "v"};
    auto before_view = view("v");
    uint64_t before = pool_used();
    auto dry = del;
    dry.insert(dry.begin(), "--json");
    dry.push_back("--dry-run");
    auto would_free = json::parse(ok(dry)).at("would_free_bytes").get<uint64_t>();
    EXPECT_EQ(view("v"), before_view) << "a dry run changes nothing";
    EXPECT_EQ(pool_used(), before) << "a dry run frees nothing";
    ok(del);
    EXPECT_EQ(before - pool_used(), would_free) << "deleting " << kind << " " << name;
    expect_du_agrees_with_thin_ls();
  }
}

TEST_F(DuTest, PrintsOneRowPerStateAndTheDryRunSentence) {
  init("v");
  auto mnt = mount("v");
  write_data(mnt / "a", 1 << 20, 1);
  auto first = commit("first", "v");
  write_data(mnt / "b", 2 << 20, 2);
  auto second = commit("second", "v");
  auto lines = lines_of(ok({"du", "v"}));
  ASSERT_EQ(lines.size(), 5u) << ok({"du", "v"});
  EXPECT_EQ(lines[0].substr(0, 7), "  STATE");
  EXPECT_EQ(lines[1].substr(0, 16), "* master (live) ");
  EXPECT_EQ(lines[2].rfind("  " + second.substr(0, 7) + " second ", 0), 0u) << lines[2];
  EXPECT_EQ(lines[4].substr(0, 6), "Pool: ");
  // The dry run of deleting `first` says what du says only it holds (the old versions of the
  // blocks the filesystem rewrote since, even though "a" itself is still live).
  uint64_t exclusive = 0;
  auto du = json::parse(ok({"--json", "du", "v"}));
  for (const auto& s : du.at("states"))
    if (s.at("name") == first) exclusive = s.at("exclusive_bytes").get<uint64_t>();
  EXPECT_EQ(ok({"commit", "-d", first, "--dry-run", "v"}), "Would free " + format_size(exclusive) + ".\n");
  EXPECT_NE(dvol({"commit", "-d", "nosuch", "--dry-run", "v"}).status, 0);
  EXPECT_NE(dvol({"branch", "-d", "master", "--dry-run", "v"}).status, 0) << "the checked-out branch";
}

}  // namespace
}  // namespace dvol::test
