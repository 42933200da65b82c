// Where dvol finds the Docker engine: as the docker CLI does, from DOCKER_HOST.
#include "src/docker_endpoints.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace dvol {
namespace {

// Sets DOCKER_HOST for one test and puts the caller's value back.
class DockerHost {
 public:
  explicit DockerHost(const char* value) {
    if (const char* old = std::getenv("DOCKER_HOST")) old_ = old;
    if (value) ::setenv("DOCKER_HOST", value, 1);
    else ::unsetenv("DOCKER_HOST");
  }
  ~DockerHost() {
    if (old_) ::setenv("DOCKER_HOST", old_->c_str(), 1);
    else ::unsetenv("DOCKER_HOST");
  }

 private:
  std::optional<std::string> old_;
};

TEST(DockerEngineSocket, IsTheStandardSocketWithoutDockerHost) {
  DockerHost unset(nullptr);
  EXPECT_EQ(docker_engine_socket(), "/var/run/docker.sock");
  DockerHost empty("");
  EXPECT_EQ(docker_engine_socket(), "/var/run/docker.sock");
}

TEST(DockerEngineSocket, FollowsAUnixDockerHost) {
  DockerHost rootless("unix:///run/user/1000/docker.sock");
  EXPECT_EQ(docker_engine_socket(), "/run/user/1000/docker.sock");
}

TEST(DockerEngineSocket, IsNoneForAnEngineOnAnotherMachine) {
  DockerHost tcp("tcp://build-server:2376");
  EXPECT_EQ(docker_engine_socket(), std::nullopt);
  DockerHost ssh("ssh://me@build-server");
  EXPECT_EQ(docker_engine_socket(), std::nullopt);
}

}  // namespace
}  // namespace dvol
