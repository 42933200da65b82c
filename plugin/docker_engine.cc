#include "plugin/docker_engine.h"

#include <nlohmann/json.hpp>

#include "plugin/container_list.h"
#include "plugin/unix_http.h"
#include "src/error.h"

namespace dvol::plugin {

using namespace std::chrono_literals;

namespace {

Error engine_error(const std::string& socket, const std::string& what) {
  return Error(Code::Unavailable, "the Docker engine on " + socket + " " + what)
      .with_hint("dvol asks Docker which containers use a volume; give --no-docker to skip that");
}

HttpReply call(const std::string& socket, const char* method, const std::string& target,
               std::chrono::milliseconds deadline) {
  try {
    return unix_http_request(socket, method, target, deadline);
  } catch (const HttpError& e) {
    if (e.failure == HttpFailure::Timeout) throw engine_error(socket, "did not answer in time");
    throw engine_error(socket, "is not reachable (" + e.message + ")");
  }
}

void expect_done(const std::string& socket, const HttpReply& reply, const std::string& what) {
  // 204: done; 304: it already was in that state.
  if (reply.status == 204 || reply.status == 304) return;
  std::string reason = reply.body;
  try {
    reason = nlohmann::json::parse(reply.body).value("message", reply.body);
  } catch (const nlohmann::json::exception&) {
  }
  throw Error(Code::Unavailable, what + " failed: " + reason, "docker engine " + socket + " answered " +
                                                                  std::to_string(reply.status));
}

}  // namespace

std::vector<Container> DockerEngine::running() {
  if (socket_.empty()) return {};
  HttpReply reply;
  try {
    reply = unix_http_request(socket_, "GET", "/containers/json", 10s);
  } catch (const HttpError& e) {
    if (e.failure == HttpFailure::NoServer) return {};  // no engine: no containers
    throw engine_error(socket_, e.failure == HttpFailure::Timeout ? "did not answer in time" : e.message);
  }
  if (reply.status != 200)
    throw engine_error(socket_, "answered " + std::to_string(reply.status) + " to a list of containers");
  try {
    return parse_container_list(reply.body);
  } catch (const Error& e) {
    throw engine_error(socket_, "sent a container list dvol cannot read (" + e.message() + ")");
  }
}

void DockerEngine::stop(const Container& container) {
  // Docker's own grace period is 10 s before it kills; allow for it and the unmounts.
  expect_done(socket_, call(socket_, "POST", "/containers/" + container.id + "/stop?t=10", 60s),
              "stopping container " + container.name);
}

void DockerEngine::start(const Container& container) {
  expect_done(socket_, call(socket_, "POST", "/containers/" + container.id + "/start", 120s),
              "starting container " + container.name);
}

}  // namespace dvol::plugin
