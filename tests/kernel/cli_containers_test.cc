// Kernel tests of the CLI's container awareness against a scripted Docker Engine on a unix
// socket (DOCKER_HOST): what dvol asks, and what the user sees for each answer. The real
// engine is exercised by tests/docker/docker_test.sh; this covers the answers a real engine
// rarely gives (errors, a container that will not start) and proves --no-docker never connects.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;

// Answers each HTTP request on its socket with the reply its handler gives, and records the
// request lines ("GET /containers/json").
class FakeEngine {
 public:
  using Handler = std::function<std::pair<int, std::string>(const std::string& request_line)>;

  FakeEngine(fs::path socket, Handler handler) : path_(std::move(socket)), handler_(std::move(handler)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    fs::remove(path_);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("fake engine: cannot listen on " + path_.string());
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeEngine() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    fs::remove(path_);
  }
  std::vector<std::string> requests() {
    std::lock_guard guard(mutex_);
    return requests_;
  }
  std::string docker_host() const { return "unix://" + path_.string(); }

 private:
  void serve() {
    while (!stop_) {
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(client, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, n);
      }
      std::string line = request.substr(0, request.find(" HTTP/"));
      {
        std::lock_guard guard(mutex_);
        requests_.push_back(line);
      }
      auto [status, body] = handler_(line);
      std::string reply = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n"
                          "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      (void)!::write(client, reply.data(), reply.size());
      ::close(client);
    }
  }

  fs::path path_;
  Handler handler_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

const std::string kOneUser = R"([{"Id":"c0ffee","Names":["/pg-1"],"Mounts":[
  {"Type":"volume","Name":"v","Driver":"dvol","Destination":"/data"},
  {"Type":"volume","Name":"v","Driver":"local","Destination":"/other"}]},
  {"Id":"beef","Names":["/unrelated"],"Mounts":[{"Type":"volume","Name":"w","Driver":"dvol"}]}])";

class ContainerAwareness : public CliTest {
 protected:
  // /run is the test kernel's own tmpfs; a short path (sun_path holds 108 bytes).
  fs::path socket_path() { return "/run/dvol-fake-engine.sock"; }
  RunOptions engine(const FakeEngine& e) { return RunOptions::with_env("DOCKER_HOST", e.docker_host()); }

  // An engine where pg-1 uses volume v; stop and start answer `start_status` for start.
  std::unique_ptr<FakeEngine> engine_with_user(int start_status = 204) {
    return std::make_unique<FakeEngine>(socket_path(), [start_status](const std::string& line) -> std::pair<int, std::string> {
      if (line == "GET /containers/json") return {200, kOneUser};
      if (line.ends_with("/stop?t=10")) return {204, ""};
      if (line.ends_with("/start")) return {start_status, start_status == 204 ? "" : R"({"message":"no such image"})"};
      return {404, R"({"message":"unexpected"})"};
    });
  }
};

TEST_F(ContainerAwareness, ListAndStatusShowTheContainersUsingEachVolume) {
  init("v");
  init("x");
  auto fake = engine_with_user();
  auto list = lines_of(ok({"list"}, engine(*fake)));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_TRUE(list[1].starts_with("  v ") && list[1].ends_with(" pg-1")) << list[1];
  EXPECT_TRUE(list[2].ends_with("master")) << "x has no containers: " << list[2];
  EXPECT_NE(ok({"status", "v"}, engine(*fake)).find("Containers:  pg-1\n"), std::string::npos);
}

TEST_F(ContainerAwareness, CheckoutResetAndRmRefuseWhileAContainerRunsAndChangeNothing) {
  init("v");
  commit("base", "v");
  auto fake = engine_with_user();
  auto before = view("v");
  auto r = dvol({"checkout", "-b", "next", "v"}, engine(*fake));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: container pg-1 is using v, please stop it before switching branches.");
  r = dvol({"reset", "--hard", "HEAD", "v"}, engine(*fake));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: container pg-1 is using v, please stop it before resetting.");
  r = dvol({"rm", "-f", "v"}, engine(*fake));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: container pg-1 is using v, please stop it before removing the volume.");
  EXPECT_EQ(view("v"), before);
  for (const auto& line : fake->requests()) EXPECT_EQ(line, "GET /containers/json") << "nothing was stopped";
}

TEST_F(ContainerAwareness, RestartContainersStopsSwitchesAndStartsAgain) {
  init("v");
  commit("base", "v");
  auto fake = engine_with_user();
  auto out = ok({"checkout", "-b", "next", "--restart-containers", "v"}, engine(*fake));
  EXPECT_EQ(out, "Switched to branch next based from v master@HEAD.\nRestarted container pg-1.\n");
  auto requests = fake->requests();
  ASSERT_GE(requests.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(requests.end() - 2, requests.end()),
            (std::vector<std::string>{"POST /containers/c0ffee/stop?t=10", "POST /containers/c0ffee/start"}));
  EXPECT_NE(ok({"branch", "v"}, engine(*fake)).find("* next"), std::string::npos);
  out = ok({"reset", "--hard", "HEAD", "--restart-containers", "v"}, engine(*fake));
  EXPECT_EQ(out, "Resetting v to latest commit... done.\nRestarted container pg-1.\n");
}

TEST_F(ContainerAwareness, AContainerThatWillNotStartIsReportedAfterTheSwitch) {
  init("v");
  commit("base", "v");
  auto fake = engine_with_user(500);
  auto r = dvol({"checkout", "-b", "next", "--restart-containers", "v"}, engine(*fake));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "Switched to branch next based from v master@HEAD.\n");
  EXPECT_NE(r.err.find("container pg-1 could not be started again: starting container pg-1 failed: no such image"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("docker start pg-1"), std::string::npos) << r.err;
}

TEST_F(ContainerAwareness, ARefusedSwitchTouchesNoContainer) {
  init("v");
  commit("base", "v");
  auto fake = engine_with_user();
  // Validation comes before the containers are stopped: a refused checkout stops nothing.
  ok({"checkout", "-b", "other", "--restart-containers", "v"}, engine(*fake));
  auto stops_before = fake->requests().size();
  auto r = dvol({"checkout", "-b", "other", "--restart-containers", "v"}, engine(*fake));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err_line(0), "dvol: a branch named 'other' already exists");
  EXPECT_EQ(fake->requests().size(), stops_before) << "a refused checkout must not touch containers";
}

TEST_F(ContainerAwareness, NoDockerNeverConnects) {
  init("v");
  commit("base", "v");
  auto fake = engine_with_user();
  ok({"--no-docker", "list"}, engine(*fake));
  ok({"--no-docker", "status", "v"}, engine(*fake));
  ok({"--no-docker", "checkout", "-b", "next", "v"}, engine(*fake));
  ok({"--no-docker", "reset", "--hard", "HEAD", "v"}, engine(*fake));
  EXPECT_TRUE(fake->requests().empty());
}

TEST_F(ContainerAwareness, NoEngineMeansNoContainers) {
  init("v");
  commit("base", "v");
  auto nowhere = RunOptions::with_env("DOCKER_HOST", "unix:///run/no-such-engine.sock");
  EXPECT_TRUE(ok({"list"}, nowhere).find("master\n") != std::string::npos);
  ok({"checkout", "-b", "next", "v"}, nowhere);
}

TEST_F(ContainerAwareness, AnEngineThatFailsIsAnErrorThatSuggestsNoDocker) {
  init("v");
  FakeEngine broken(socket_path(), [](const std::string&) { return std::pair<int, std::string>{500, "{}"}; });
  auto r = dvol({"status", "v"}, engine(broken));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err_line(0).find("the Docker engine on " + socket_path().string() + " answered 500"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--no-docker"), std::string::npos);
}

}  // namespace
}  // namespace dvol::test
