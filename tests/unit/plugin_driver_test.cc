// The Docker volume plugin protocol, handler by handler, against a fake set of volumes: what
// Docker sends (valid, malformed, null Opts, unknown names) and what it must get back.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>

#include "plugin/volume_driver.h"
#include "src/error.h"

namespace dvol::plugin {
namespace {

using nlohmann::json;

class FakeVolumes : public VolumeBackend {
 public:
  std::map<std::string, CreateOptions> volumes;
  int creates = 0, mounts = 0;

  bool exists(const std::string& name) override {
    if (name.find("..") != std::string::npos) throw Error(Code::InvalidArgument, "'" + name + "' is not a valid volume name");
    return volumes.count(name) > 0;
  }
  void create(const std::string& name, const CreateOptions& options) override {
    if (options.fs && *options.fs != "ext4" && *options.fs != "xfs")
      throw Error(Code::InvalidArgument, "'" + *options.fs + "' is not a supported filesystem").with_hint("use ext4 or xfs");
    ++creates;
    volumes[name] = options;
  }
  DriverVolume describe(const std::string& name) override {
    if (!volumes.count(name)) throw Error(Code::NotFound, "volume " + name + " does not exist");
    return {name, "/var/lib/dvol/volumes/" + name + "/mnt", {{"Branch", "master"}}};
  }
  std::vector<DriverVolume> list() override {
    std::vector<DriverVolume> out;
    for (const auto& [name, _] : volumes) out.push_back(describe(name));
    return out;
  }
  std::string mount(const std::string& name) override {
    ++mounts;
    return describe(name).mountpoint;
  }
};

class PluginDriver : public ::testing::Test {
 protected:
  FakeVolumes volumes;
  VolumeDriver driver{volumes};

  json call(const std::string& path, const std::string& body, unsigned expect_status = 200) {
    auto reply = driver.handle(path, body);
    EXPECT_EQ(reply.status, expect_status) << path << " " << body;
    auto doc = json::parse(reply.body, nullptr, false);
    EXPECT_TRUE(doc.is_object()) << reply.body;
    return doc;
  }
  std::string err(const std::string& path, const std::string& body) { return call(path, body).value("Err", "<none>"); }
  static std::string id(char c) { return std::string(64, c); }
};

TEST_F(PluginDriver, ActivateAndCapabilities) {
  EXPECT_EQ(call("/Plugin.Activate", "")["Implements"], json::array({"VolumeDriver"}));
  EXPECT_EQ(call("/Plugin.Activate", "{}")["Implements"], json::array({"VolumeDriver"}));
  EXPECT_EQ(call("/VolumeDriver.Capabilities", "")["Capabilities"]["Scope"], "local");
}

TEST_F(PluginDriver, CreateWithNullOptsMakesTheVolume) {
  EXPECT_EQ(err("/VolumeDriver.Create", R"({"Name":"pg","Opts":null})"), "");
  ASSERT_EQ(volumes.volumes.count("pg"), 1u);
  EXPECT_FALSE(volumes.volumes["pg"].size);
}

TEST_F(PluginDriver, CreateHonoursSizeAndFs) {
  EXPECT_EQ(err("/VolumeDriver.Create", R"({"Name":"team/db","Opts":{"size":"20G","fs":"xfs"}})"), "");
  EXPECT_EQ(volumes.volumes["team/db"].size, "20G");
  EXPECT_EQ(volumes.volumes["team/db"].fs, "xfs");
}

TEST_F(PluginDriver, CreateRefusesUnknownOptionsAndChangesNothing) {
  auto e = err("/VolumeDriver.Create", R"({"Name":"pg","Opts":{"sise":"20G"}})");
  EXPECT_NE(e.find("unknown option 'sise'"), std::string::npos) << e;
  EXPECT_NE(e.find("size"), std::string::npos) << e;
  EXPECT_TRUE(volumes.volumes.empty());
  EXPECT_NE(err("/VolumeDriver.Create", R"({"Name":"pg","Opts":{"size":20}})").find("must be a string"), std::string::npos);
  EXPECT_NE(err("/VolumeDriver.Create", R"({"Name":"pg","Opts":["size"]})").find("Opts"), std::string::npos);
  EXPECT_EQ(volumes.creates, 0);
}

TEST_F(PluginDriver, CreateRefusesBadNamesAndFilesystemsWithTheReason) {
  EXPECT_EQ(err("/VolumeDriver.Create", R"({"Name":"../etc","Opts":null})"), "'../etc' is not a valid volume name");
  EXPECT_EQ(err("/VolumeDriver.Create", R"({"Name":"pg","Opts":{"fs":"btrfs"}})"),
            "'btrfs' is not a supported filesystem (use ext4 or xfs)");
  EXPECT_NE(err("/VolumeDriver.Create", R"({"Opts":null})").find("no Name"), std::string::npos);
  EXPECT_NE(err("/VolumeDriver.Create", R"({"Name":42})").find("no Name"), std::string::npos);
  EXPECT_NE(err("/VolumeDriver.Create", R"({"Name":""})").find("no Name"), std::string::npos);
  EXPECT_TRUE(volumes.volumes.empty());
}

TEST_F(PluginDriver, CreatingAnExistingVolumeIsNotAnError) {
  volumes.volumes["pg"] = {};
  EXPECT_EQ(err("/VolumeDriver.Create", R"({"Name":"pg","Opts":null})"), "");
  EXPECT_EQ(volumes.creates, 0);
}

TEST_F(PluginDriver, GetShowsStatusAndFailsForUnknownVolumes) {
  EXPECT_EQ(err("/VolumeDriver.Get", R"({"Name":"pg"})"), "volume pg does not exist");
  volumes.volumes["pg"] = {};
  auto reply = call("/VolumeDriver.Get", R"({"Name":"pg"})");
  EXPECT_EQ(reply["Err"], "");
  EXPECT_EQ(reply["Volume"]["Name"], "pg");
  EXPECT_EQ(reply["Volume"]["Mountpoint"], "/var/lib/dvol/volumes/pg/mnt");
  EXPECT_EQ(reply["Volume"]["Status"]["Branch"], "master");
  EXPECT_EQ(reply["Volume"]["Status"]["Mounts"], 0);
}

TEST_F(PluginDriver, ListShowsEveryVolume) {
  EXPECT_EQ(call("/VolumeDriver.List", "{}")["Volumes"], json::array());
  volumes.volumes["a"] = {};
  volumes.volumes["b/c"] = {};
  auto reply = call("/VolumeDriver.List", "{}");
  ASSERT_EQ(reply["Volumes"].size(), 2u);
  EXPECT_EQ(reply["Volumes"][1]["Name"], "b/c");
  EXPECT_EQ(reply["Volumes"][1]["Mountpoint"], "/var/lib/dvol/volumes/b/c/mnt");
}

TEST_F(PluginDriver, MountOfAnUnknownNameCreatesIt) {
  auto reply = call("/VolumeDriver.Mount", R"({"Name":"new","ID":")" + id('a') + R"("})");
  EXPECT_EQ(reply["Err"], "");
  EXPECT_EQ(reply["Mountpoint"], "/var/lib/dvol/volumes/new/mnt");
  EXPECT_EQ(volumes.creates, 1);
  EXPECT_EQ(driver.mount_count("new"), 1u);
}

TEST_F(PluginDriver, MountsAreCountedPerId) {
  volumes.volumes["pg"] = {};
  auto mount = [&](char c) { return err("/VolumeDriver.Mount", R"({"Name":"pg","ID":")" + id(c) + R"("})"); };
  auto unmount = [&](char c) { return err("/VolumeDriver.Unmount", R"({"Name":"pg","ID":")" + id(c) + R"("})"); };
  EXPECT_EQ(mount('a'), "");
  EXPECT_EQ(mount('b'), "");
  EXPECT_EQ(mount('a'), "");  // the same ID again is the same mount
  EXPECT_EQ(driver.mount_count("pg"), 2u);
  EXPECT_EQ(unmount('a'), "");
  EXPECT_EQ(driver.mount_count("pg"), 1u);
  EXPECT_EQ(unmount('a'), "");  // twice: still fine, still one
  EXPECT_EQ(driver.mount_count("pg"), 1u);
  EXPECT_EQ(call("/VolumeDriver.Get", R"({"Name":"pg"})")["Volume"]["Status"]["Mounts"], 1);
  EXPECT_EQ(unmount('b'), "");
  EXPECT_EQ(driver.mount_count("pg"), 0u);
  EXPECT_NE(err("/VolumeDriver.Mount", R"({"Name":"pg"})").find("no ID"), std::string::npos);
}

TEST_F(PluginDriver, HoldersFromBeforeStartUpAreCountedUntilTheirUnmount) {
  volumes.volumes["pg"] = {};
  VolumeDriver restarted(volumes, {{"pg", 2}});
  EXPECT_EQ(restarted.mount_count("pg"), 2u);
  restarted.handle("/VolumeDriver.Unmount", R"({"Name":"pg","ID":")" + id('x') + R"("})");
  EXPECT_EQ(restarted.mount_count("pg"), 1u);
  restarted.handle("/VolumeDriver.Mount", R"({"Name":"pg","ID":")" + id('y') + R"("})");
  EXPECT_EQ(restarted.mount_count("pg"), 2u);
  restarted.handle("/VolumeDriver.Unmount", R"({"Name":"pg","ID":")" + id('z') + R"("})");
  restarted.handle("/VolumeDriver.Unmount", R"({"Name":"pg","ID":")" + id('z') + R"("})");
  EXPECT_EQ(restarted.mount_count("pg"), 1u);  // y's own mount is still counted
}

TEST_F(PluginDriver, PathAndRemove) {
  EXPECT_EQ(err("/VolumeDriver.Path", R"({"Name":"pg"})"), "volume pg does not exist");
  EXPECT_EQ(err("/VolumeDriver.Remove", R"({"Name":"pg"})"), "volume pg does not exist");
  volumes.volumes["pg"] = {};
  EXPECT_EQ(call("/VolumeDriver.Path", R"({"Name":"pg"})")["Mountpoint"], "/var/lib/dvol/volumes/pg/mnt");
  call("/VolumeDriver.Mount", R"({"Name":"pg","ID":")" + id('a') + R"("})");
  EXPECT_EQ(err("/VolumeDriver.Remove", R"({"Name":"pg"})"), "");
  EXPECT_EQ(volumes.volumes.count("pg"), 1u) << "Remove must not destroy the volume's data";
  EXPECT_EQ(driver.mount_count("pg"), 0u);
}

TEST_F(PluginDriver, MalformedRequestsGetAnErrorReply) {
  for (std::string body : std::vector<std::string>{"{", "[]", "\"x\"", "nul", "{\"Name\":", "\xff\xfe", "42"}) {
    auto reply = driver.handle("/VolumeDriver.Create", body);
    EXPECT_EQ(reply.status, 400u) << body;
    auto doc = json::parse(reply.body, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << reply.body;
    EXPECT_NE(doc["Err"].get<std::string>(), "");
  }
  EXPECT_TRUE(volumes.volumes.empty());
  auto unknown = driver.handle("/VolumeDriver.Explode", "{}");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.body.find("does not implement"), std::string::npos);
}

// A backend whose create waits until the test lets it go, as a Create behind another
// command's lock does; everything else answers at once. Thread-safe.
class SlowCreates : public VolumeBackend {
 public:
  std::mutex mutex;
  std::condition_variable changed;
  std::set<std::string> volumes{"web"};
  bool creating = false, let_go = false;

  bool exists(const std::string& name) override {
    std::lock_guard lock(mutex);
    return volumes.count(name) > 0;
  }
  void create(const std::string& name, const CreateOptions&) override {
    std::unique_lock lock(mutex);
    creating = true;
    changed.notify_all();
    changed.wait(lock, [&] { return let_go; });
    if (!volumes.insert(name).second) throw Error(Code::AlreadyExists, "volume " + name + " already exists");
  }
  DriverVolume describe(const std::string& name) override {
    std::lock_guard lock(mutex);
    if (!volumes.count(name)) throw Error(Code::NotFound, "volume " + name + " does not exist");
    return {name, "/mnt/" + name, {}};
  }
  std::vector<DriverVolume> list() override {
    std::lock_guard lock(mutex);
    std::vector<DriverVolume> out;
    for (const auto& v : volumes) out.push_back({v, "/mnt/" + v, {}});
    return out;
  }
  std::string mount(const std::string& name) override { return describe(name).mountpoint; }
};

TEST(PluginDriverConcurrency, GetAndListAnswerWhileACreateWaits) {
  // Given a Create that waits (for a lock, in dvol), when Docker sends Get and List meanwhile,
  // then they answer at once; a second Create of the same name, racing the first, succeeds
  // too, and once the first is let go both report success and the volume is listed.
  SlowCreates backend;
  VolumeDriver driver(backend);
  auto first = std::async(std::launch::async, [&] { return driver.handle("/VolumeDriver.Create", R"({"Name":"new"})"); });
  {
    std::unique_lock lock(backend.mutex);
    ASSERT_TRUE(backend.changed.wait_for(lock, std::chrono::seconds(10), [&] { return backend.creating; }));
  }
  auto get = driver.handle("/VolumeDriver.Get", R"({"Name":"web"})");
  EXPECT_NE(get.body.find(R"("Mountpoint":"/mnt/web")"), std::string::npos) << get.body;
  auto list = driver.handle("/VolumeDriver.List", "{}");
  EXPECT_NE(list.body.find(R"("Name":"web")"), std::string::npos) << list.body;
  auto second = std::async(std::launch::async, [&] { return driver.handle("/VolumeDriver.Create", R"({"Name":"new"})"); });
  EXPECT_EQ(first.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout) << "the first is still waiting";
  {
    std::lock_guard lock(backend.mutex);
    backend.let_go = true;
  }
  backend.changed.notify_all();
  EXPECT_EQ(first.get().body, R"({"Err":""})");
  EXPECT_EQ(second.get().body, R"({"Err":""})");
  EXPECT_NE(driver.handle("/VolumeDriver.List", "{}").body.find(R"("Name":"new")"), std::string::npos);
}

}  // namespace
}  // namespace dvol::plugin
