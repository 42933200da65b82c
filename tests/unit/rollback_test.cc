// Every mutating operation, failed at every step on the host (tests/support/fake_kernel.h):
// the state a user sees is exactly as before the command or exactly as after it. Two kinds of
// failure at step N:
//  - the kernel refuses that one call (the command's own rollback runs);
//  - the machine loses power there (every later call fails, then a reboot): recovery at the
//    next command finishes or rolls back from the intent.
// In both cases the next command (open, lock, activate, as every command starts) must work and
// leave the volume before or after; and what the store says must be so even before it.
// The kernel suite proves the real kernel behaves like the fake; this proves the order.
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <set>
#include <sstream>

#include "src/naming.h"
#include "src/operations.h"
#include "src/store.h"
#include "src/teardown.h"
#include "src/volume.h"
#include "tests/support/fake_kernel.h"
#include "tests/unit/temp_dir.h"

namespace dvol {
namespace {

using testing::FakeKernel;

struct World {
  testing::TempDir root;
  FakeKernel kernel;
  Host host{root.path(), kernel.dm(), kernel.mounts()};

  VolumePaths paths() const { return volume_paths(root.path(), "v"); }
};

// Two branches with commits and uncommitted data on both: master (first, second, then
// "three" written) checked out, exp (on exp, then "exp-live").
void make_history(World& w) {
  InitRequest init;
  init.volume = "v";
  init.size_bytes = 128ull << 20;
  init_volume(w.host, init);
  auto mnt = w.paths().mount;
  w.kernel.write(mnt, "one");
  commit(w.host, "v", "first");
  w.kernel.write(mnt, "two");
  commit(w.host, "v", "second");
  checkout(w.host, "v", "exp", /*create=*/true, /*force=*/true);
  w.kernel.write(mnt, "exp-data");
  commit(w.host, "v", "on exp");
  w.kernel.write(mnt, "exp-live");
  checkout(w.host, "v", "master", /*create=*/false, /*force=*/true);
  w.kernel.write(mnt, "three");
}

// What a user sees of volume v, and what must hold of the kernel: branches and commits with
// their data, the pool holding exactly what they refer to, the checked-out branch served, and
// nothing else live. Commits are named by message (ids are random per run).
std::string describe_store(World& w) {
  auto paths = w.paths();
  if (!std::filesystem::exists(paths.db)) return "no volume v\n";
  auto store = MetadataStore::open(paths.db);
  auto record = store.volume();
  auto pool = w.kernel.pool(paths.meta);
  auto data = [&](uint32_t id) -> std::string {
    if (!pool || !pool->thins.count(id)) return "<missing thin device " + std::to_string(id) + ">";
    return pool->thins.at(id);
  };
  std::map<std::string, std::string> message;
  for (const auto& c : store.commits()) message[c.id] = c.message;
  std::ostringstream out;
  out << "checked out: " << record.checked_out << "\n";
  for (const auto& b : store.branches())
    out << "branch " << b.name << " head=" << (b.head ? message[*b.head] : "-") << " data=" << data(b.thin_id) << "\n";
  for (const auto& c : store.commits())
    out << "commit " << c.message << " parent=" << (c.parent ? message[*c.parent] : "-") << " data=" << data(c.thin_id)
        << "\n";
  return out.str();
}

// Without the volume: what is left of it anywhere (devices, mounts, half-made directories).
std::string describe_absent(World& w) {
  std::ostringstream out;
  out << "no volume v\n";
  for (const auto& d : w.kernel.devices()) out << "live: " << d.name << "\n";
  for (const auto& [target, dev] : w.kernel.mount_table()) out << "mounted: " << target.string() << "\n";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(volumes_dir(w.root.path()), ec))
    out << "left in volumes/: " << e.path().filename().string() << "\n";
  return out.str();
}

std::string describe(World& w) {
  auto paths = w.paths();
  if (!std::filesystem::exists(paths.db)) return describe_absent(w);
  auto store = MetadataStore::open(paths.db);
  auto record = store.volume();
  auto pool = w.kernel.pool(paths.meta);
  std::ostringstream out;
  out << describe_store(w);
  std::map<std::string, std::string> label{{pool_dm_name(record.uid).str(), "the pool"}};
  std::set<uint32_t> referenced;
  for (const auto& b : store.branches()) {
    referenced.insert(b.thin_id);
    label[thin_dm_name(record.uid, b.thin_id).str()] = "branch " + b.name;
  }
  for (const auto& c : store.commits()) {
    referenced.insert(c.thin_id);
    label[thin_dm_name(record.uid, c.thin_id).str()] = "commit " + c.message;
  }
  if (pool) {
    for (const auto& [id, token] : pool->thins)
      if (!referenced.count(id)) out << "leaked thin device " << id << " (" << token << ")\n";
    if (pool->transaction_id != record.transaction_id)
      out << "pool at transaction " << pool->transaction_id << ", store at " << record.transaction_id << "\n";
    if (pool->metadata_snapshot_held) out << "metadata snapshot still held\n";
  }
  if (auto intent = store.intent()) out << "unfinished " << intent->op << "\n";
  for (const auto& d : w.kernel.devices())
    out << "live: " << (label.count(d.name) ? label[d.name] : d.name) << (d.suspended ? " SUSPENDED" : "")
        << (d.staged_table ? " with a staged table" : "") << "\n";
  for (const auto& [target, dev] : w.kernel.mount_table()) {
    if (target == paths.mount) continue;
    out << "mounted: " << target.string() << "\n";
  }
  out << "served at mnt: " << w.kernel.data_at(paths.mount).value_or("nothing") << "\n";
  return out.str();
}

// The start of every mutating command: it finishes or rolls back what was interrupted (init and
// rm first sweep away volumes they left half-made or half-removed).
void next_command(World& w) {
  sweep_abandoned_volumes(w.host);
  if (!std::filesystem::exists(w.paths().db)) return;
  auto volume = Volume::open(w.host, "v");
  auto lock = volume.lock();
  volume.activate();
}

struct Outcome {
  std::string before, after;              // describe()
  std::string store_before, store_after;  // describe_store()
  size_t steps = 0;
};

// Runs `op` once without failures and returns the states around it and its step count.
using Setup = std::function<void(World&)>;

Outcome run_cleanly(const Setup& setup, const std::function<void(Host&)>& op) {
  World w;
  setup(w);
  Outcome o;
  o.before = describe(w);
  o.store_before = describe_store(w);
  w.kernel.reset_steps();
  op(w.host);
  o.steps = w.kernel.steps();
  o.after = describe(w);
  o.store_after = describe_store(w);
  return o;
}

void expect_before_or_after(const std::string& state, const Outcome& o, const std::string& when) {
  EXPECT_TRUE(state == o.before || state == o.after)
      << when << ", the volume is neither as before nor as after:\n"
      << state << "--- before:\n"
      << o.before << "--- after:\n"
      << o.after;
}

void fail_at_every_step(const std::function<void(Host&)>& op, const Setup& setup = make_history) {
  if (::geteuid() != 0) GTEST_SKIP() << "the operations refuse to run without root";
  auto clean = run_cleanly(setup, op);
  ASSERT_NE(clean.before, clean.after) << "the operation changes something";
  ASSERT_GT(clean.steps, 0u);
  ::testing::Test::RecordProperty("steps", static_cast<int>(clean.steps));
  for (bool power_cut : {false, true}) {
    for (size_t step = 1; step <= clean.steps; ++step) {
      SCOPED_TRACE((power_cut ? "power cut at step " : "the kernel refuses step ") + std::to_string(step) + " of " +
                   std::to_string(clean.steps));
      World w;
      setup(w);
      w.kernel.reset_steps();
      w.kernel.fail_at(step, power_cut);
      bool failed = false;
      try {
        op(w.host);
      } catch (const Error&) {
        failed = true;
      }
      if (!failed) {
        // A step the operation may retry another way (a suspend whose freeze failed is
        // retried after a remount): then it must simply have worked.
        expect_before_or_after(describe(w), Outcome{clean.after, clean.after, "", "", 0}, "after it worked anyway");
      } else if (!power_cut && describe_store(w) == clean.store_before) {
        // Rolled back by the command itself: nothing is left for the next command to repair,
        // and the volume serves what it served before.
        EXPECT_EQ(describe(w), clean.before) << "right after the command failed and rolled back";
      } else {
        // Past the commit point (the rest is rolled forward by the next command), or cut off.
        auto visible = describe_store(w);
        EXPECT_TRUE(visible == clean.store_before || visible == clean.store_after)
            << "right after the failure the store says:\n"
            << visible << "--- before:\n"
            << clean.store_before << "--- after:\n"
            << clean.store_after;
      }
      if (power_cut) w.kernel.reboot();
      ASSERT_NO_THROW(next_command(w)) << "the next command fails";
      expect_before_or_after(describe(w), clean, "after the next command");
      if (::testing::Test::HasFailure()) {
        for (const auto& line : w.kernel.log()) std::cerr << "  " << line << "\n";
        return;  // one step's full account is enough to read
      }
    }
  }
}

TEST(FailAtEveryStep, Init) {
  fail_at_every_step(
      [](Host& host) {
        InitRequest init;
        init.volume = "v";
        init.size_bytes = 128ull << 20;
        init_volume(host, init);
      },
      [](World&) {});
}

TEST(FailAtEveryStep, Remove) {
  fail_at_every_step([](Host& host) { remove_volume(host, "v"); });
}

TEST(FailAtEveryStep, Commit) {
  fail_at_every_step([](Host& host) { commit(host, "v", "third"); });
}

TEST(FailAtEveryStep, ResetHard) {
  fail_at_every_step([](Host& host) { reset_hard(host, "v", "HEAD~1"); });
}

TEST(FailAtEveryStep, DeleteCommit) {
  fail_at_every_step([](Host& host) { delete_commit(host, "v", "HEAD"); });
}

TEST(FailAtEveryStep, CheckoutAnotherBranch) {
  // force: the uncommitted-changes report reads real thin metadata, which the fake has not;
  // the switch itself is the same either way.
  fail_at_every_step([](Host& host) { checkout(host, "v", "exp", /*create=*/false, /*force=*/true); });
}

TEST(FailAtEveryStep, CheckoutANewBranch) {
  fail_at_every_step([](Host& host) { checkout(host, "v", "new", /*create=*/true, /*force=*/true); });
}

TEST(FailAtEveryStep, DeleteBranch) {
  fail_at_every_step([](Host& host) { delete_branch(host, "v", "exp"); });
}

}  // namespace
}  // namespace dvol
