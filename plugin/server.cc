#include "plugin/server.h"

#include <sys/stat.h>
#include <unistd.h>

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "src/error.h"

namespace dvol::plugin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using Local = asio::local::stream_protocol;
using namespace std::chrono_literals;

namespace {

// A client that sends nothing for this long is dropped; Docker keeps idle connections open.
constexpr auto kIdle = 120s;

http::response<http::string_body> reply_for(const http::request<http::string_body>& request, DriverReply r) {
  http::response<http::string_body> response{static_cast<http::status>(r.status), request.version()};
  response.set(http::field::content_type, "application/vnd.docker.plugins.v1+json");
  response.body() = std::move(r.body);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

std::string request_name(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("Name") && doc["Name"].is_string()) return doc["Name"];
  return {};
}

// Requests run here, off the thread that accepts and reads: one that waits for a volume's lock
// (a Create behind a checkout) holds up no other.
constexpr int kWorkers = 4;

asio::awaitable<DriverReply> handle_on(asio::thread_pool& workers, VolumeDriver& driver, std::string_view target,
                                       std::string_view body) {
  co_return co_await asio::co_spawn(
      workers, [&]() -> asio::awaitable<DriverReply> { co_return driver.handle(target, body); }, asio::use_awaitable);
}

asio::awaitable<void> session(Local::socket socket, VolumeDriver& driver, asio::thread_pool& workers,
                              std::ostream& log) {
  beast::basic_stream<Local> stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(kIdle);
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBytes);
    parser.header_limit(16 << 10);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof) co_return;
    if (ec) {
      // Oversized or malformed: an error reply, then close (the stream is out of step).
      auto status = ec == http::error::body_limit || ec == http::error::header_limit ? 413u : 400u;
      http::response<http::string_body> response{static_cast<http::status>(status), 11};
      response.body() = nlohmann::json{{"Err", "bad request: " + ec.message()}}.dump();
      response.keep_alive(false);
      response.prepare_payload();
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    const auto& request = parser.get();
    std::string_view target(request.target().data(), request.target().size());
    // (Not a conditional expression: GCC 12 cannot compile a co_await inside one.)
    DriverReply r{405, nlohmann::json{{"Err", "the plugin protocol only uses POST"}}.dump()};
    if (request.method() == http::verb::post) r = co_await handle_on(workers, driver, target, request.body());
    auto response = reply_for(request, std::move(r));
    auto reply = nlohmann::json::parse(response.body(), nullptr, false);
    std::string err = reply.is_object() && reply.contains("Err") && reply["Err"].is_string() ? reply["Err"] : "";
    log << "dvol plugin: " << target << " " << request_name(request.body())
        << (err.empty() ? "" : " -> Err: " + err) << std::endl;
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !response.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept_loop(Local::acceptor& acceptor, VolumeDriver& driver, asio::thread_pool& workers,
                                  std::ostream& log) {
  for (;;) {
    boost::system::error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;  // shutting down
    if (ec) continue;                                      // e.g. EMFILE: try the next one
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), driver, workers, log), asio::detached);
  }
}

// systemd socket activation: the listening socket is fd 3.
bool socket_from_systemd() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  return pid && fds && std::atoi(fds) >= 1 && std::strtol(pid, nullptr, 10) == ::getpid();
}

bool someone_listens(const std::string& path) {
  asio::io_context io;
  Local::socket probe(io);
  boost::system::error_code ec;
  probe.connect(Local::endpoint(path), ec);
  return !ec;
}

}  // namespace

void serve(VolumeDriver& driver, const std::string& socket_path, std::ostream& log) {
  asio::io_context io;
  Local::acceptor acceptor(io);
  bool own_socket = !socket_from_systemd();
  if (own_socket) {
    if (someone_listens(socket_path))
      throw Error(Code::Unavailable, "another dvol plugin is already serving " + socket_path);
    std::error_code ignored;
    fs::create_directories(fs::path(socket_path).parent_path(), ignored);
    fs::remove(socket_path, ignored);  // stale, from a plugin that was killed
    acceptor.open(Local());
    // Made 0600 from the start: never a moment when another user could connect.
    mode_t old = ::umask(077);
    boost::system::error_code ec;
    acceptor.bind(Local::endpoint(socket_path), ec);
    ::umask(old);
    if (ec) throw Error(Code::Unavailable, "cannot listen on " + socket_path + ": " + ec.message());
    ::chmod(socket_path.c_str(), 0600);  // as systemd's socket unit makes it
    acceptor.listen();
  } else {
    acceptor.assign(Local(), 3);
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    log << "dvol plugin: shutting down" << std::endl;
    acceptor.close();
    io.stop();
  });
  log << "dvol plugin: serving " << (own_socket ? socket_path : "the socket from systemd") << std::endl;
  asio::thread_pool workers(kWorkers);
  asio::co_spawn(io, accept_loop(acceptor, driver, workers, log), asio::detached);
  io.run();
  workers.join();  // requests under way finish (and release their locks) before the plugin exits
  if (own_socket) {
    std::error_code ignored;
    fs::remove(socket_path, ignored);
  }
}

}  // namespace dvol::plugin
