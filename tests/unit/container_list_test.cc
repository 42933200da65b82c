// Reading Docker's container list, and the refuse / stop / restart rules around a switch.
#include <gtest/gtest.h>

#include "expect_error.h"
#include "plugin/container_list.h"
#include "src/containers.h"

namespace dvol {
namespace {

TEST(ContainerList, FindsDvolVolumesAndNames) {
  auto list = plugin::parse_container_list(R"([
    {"Id":"aaa111","Names":["/pg"],"Mounts":[
      {"Type":"volume","Name":"team/db","Driver":"dvol","Destination":"/var/lib/postgresql"},
      {"Type":"volume","Name":"cache","Driver":"local"},
      {"Type":"bind","Source":"/srv","Destination":"/srv"}]},
    {"Id":"bbb222","Names":["/web"],"Mounts":[]},
    {"Id":"ccc333333333333","Names":[],"Mounts":null}
  ])");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "aaa111");
  EXPECT_EQ(list[0].name, "pg");
  EXPECT_EQ(list[0].volumes, std::vector<std::string>{"team/db"});
  EXPECT_TRUE(list[1].volumes.empty());
  EXPECT_EQ(list[2].name, "ccc333333333") << "no name: the short id";
}

TEST(ContainerList, RefusesWhatIsNotAList) {
  for (auto text : {"", "{}", "{\"message\":\"oops\"}", "[", "null"})
    EXPECT_EQ(testing::thrown_error([&] { plugin::parse_container_list(text); }).code(), Code::InvalidArgument) << text;
  EXPECT_TRUE(plugin::parse_container_list(R"([1, "x", {"Names":["/no-id"]}])").empty());
}

class FakeEngine : public ContainerEngine {
 public:
  std::vector<Container> containers;
  std::vector<std::string> log;
  std::string fail_stop, fail_start;

  std::vector<Container> running() override { return containers; }
  void stop(const Container& c) override {
    if (c.name == fail_stop) throw Error(Code::Unavailable, "engine says no");
    log.push_back("stop " + c.name);
  }
  void start(const Container& c) override {
    if (c.name == fail_start) throw Error(Code::Unavailable, "image gone");
    log.push_back("start " + c.name);
  }
};

FakeEngine two_users() {
  FakeEngine engine;
  engine.containers = {{"2", "web", {"pg"}}, {"1", "db", {"other", "pg"}}, {"3", "cache", {"redis"}}};
  return engine;
}

TEST(Containers, UsersOfAVolumeSortedByName) {
  auto engine = two_users();
  auto users = containers_using(&engine, "pg");
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "db");
  EXPECT_EQ(users[1].name, "web");
  EXPECT_TRUE(containers_using(nullptr, "pg").empty()) << "no engine: no containers";
}

TEST(Containers, RefuseNamesTheContainerAndStopsNothing) {
  auto engine = two_users();
  StoppedContainers stopped;
  auto e = testing::thrown_error([&] { stopped.stop_users(&engine, "pg", ContainerPolicy::Refuse, "switching branches"); });
  EXPECT_EQ(e.code(), Code::FailedPrecondition);
  EXPECT_EQ(e.message(), "container db is using pg, please stop it before switching branches.");
  EXPECT_TRUE(engine.log.empty());
  stopped.stop_users(&engine, "unused", ContainerPolicy::Refuse, "resetting");  // nobody: fine
}

TEST(Containers, RestartStopsThenStartsEach) {
  auto engine = two_users();
  StoppedContainers stopped;
  stopped.stop_users(&engine, "pg", ContainerPolicy::Restart, "resetting");
  auto outcome = stopped.restart();
  EXPECT_EQ(engine.log, (std::vector<std::string>{"stop db", "stop web", "start db", "start web"}));
  EXPECT_EQ(outcome.restarted, (std::vector<std::string>{"db", "web"}));
  EXPECT_TRUE(outcome.failures.empty());
}

TEST(Containers, AFailedStartIsReportedAndTheOthersStillStart) {
  auto engine = two_users();
  engine.fail_start = "db";
  StoppedContainers stopped;
  stopped.stop_users(&engine, "pg", ContainerPolicy::Restart, "resetting");
  auto outcome = stopped.restart();
  EXPECT_EQ(outcome.restarted, std::vector<std::string>{"web"});
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_NE(outcome.failures[0].find("container db could not be started again: image gone"), std::string::npos);
  EXPECT_NE(outcome.failures[0].find("docker start db"), std::string::npos);
}

TEST(Containers, AFailedStopStartsAgainWhatWasStoppedAndRefuses) {
  auto engine = two_users();
  engine.fail_stop = "web";
  StoppedContainers stopped;
  auto e = testing::thrown_error([&] { stopped.stop_users(&engine, "pg", ContainerPolicy::Restart, "resetting"); });
  EXPECT_EQ(e.message(), "could not stop container web: engine says no; nothing was changed");
  EXPECT_EQ(engine.log, (std::vector<std::string>{"stop db", "start db"}));
}

TEST(Containers, DestructorStartsWhatWasLeftStopped) {
  auto engine = two_users();
  {
    StoppedContainers stopped;
    stopped.stop_users(&engine, "pg", ContainerPolicy::Restart, "resetting");
  }
  EXPECT_EQ(engine.log, (std::vector<std::string>{"stop db", "stop web", "start db", "start web"}));
}

}  // namespace
}  // namespace dvol
