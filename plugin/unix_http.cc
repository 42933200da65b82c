#include "plugin/unix_http.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace dvol::plugin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Local = asio::local::stream_protocol;

namespace {

constexpr size_t kMaxReplyBytes = 64 << 20;  // a /containers/json of thousands of containers

asio::awaitable<HttpReply> exchange(std::string socket_path, http::verb verb, std::string target,
                                    std::chrono::milliseconds deadline) {
  beast::basic_stream<Local> stream(co_await asio::this_coro::executor);
  stream.expires_after(deadline);
  co_await stream.async_connect(Local::endpoint(socket_path), asio::use_awaitable);
  http::request<http::empty_body> request{verb, target, 11};
  request.set(http::field::host, "docker");
  request.set(http::field::user_agent, "dvol");
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  co_return HttpReply{parser.get().result_int(), std::move(parser.get().body())};
}

}  // namespace

HttpReply unix_http_request(const std::string& socket_path, const std::string& method, const std::string& target,
                            std::chrono::milliseconds deadline) {
  auto verb = http::string_to_verb(method);
  asio::io_context io;
  HttpReply reply;
  std::exception_ptr failure;
  asio::co_spawn(io, exchange(socket_path, verb, target, deadline), [&](std::exception_ptr e, HttpReply r) {
    failure = e;
    reply = std::move(r);
  });
  io.run();
  if (!failure) return reply;
  try {
    std::rethrow_exception(failure);
  } catch (const boost::system::system_error& e) {
    auto code = e.code();
    if (code == asio::error::not_found || code == asio::error::connection_refused ||
        code == boost::system::errc::no_such_file_or_directory)
      throw HttpError{HttpFailure::NoServer, "nothing listens on " + socket_path};
    // Not ours to use (a user outside the docker group): as good as no server for this user.
    if (code == asio::error::access_denied || code == boost::system::errc::permission_denied)
      throw HttpError{HttpFailure::NoServer, "no permission to connect to " + socket_path};
    if (code == beast::error::timeout)
      throw HttpError{HttpFailure::Timeout, socket_path + " did not answer in time"};
    throw HttpError{HttpFailure::Broken, socket_path + ": " + code.message()};
  }
}

}  // namespace dvol::plugin
