#pragma once
// A small HTTP/1.1 client over a unix socket (Boost.Beast), for the Docker Engine API.
// One request per connection, with one deadline for connect, send and receive.
#include <chrono>
#include <string>

namespace dvol::plugin {

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// Why a request got no reply at all. NoServer: no socket, nobody listening, or no permission.
enum class HttpFailure { NoServer, Timeout, Broken };

struct HttpError {
  HttpFailure failure;
  std::string message;
};

// Throws HttpError when there is no reply; any status is a reply.
HttpReply unix_http_request(const std::string& socket_path, const std::string& method, const std::string& target,
                            std::chrono::milliseconds deadline);

}  // namespace dvol::plugin
