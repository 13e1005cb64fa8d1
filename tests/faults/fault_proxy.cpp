// The fault proxy itself (support/fault_proxy.hpp), against an echo server:
// each fault does what the scenarios rely on it to do.
#include "support/fault_proxy.hpp"

#include "support/coro.hpp"

#include <rafthttp/http/connection.hpp>

#include <asio/write.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using rafthttp::test::direction;
using rafthttp::test::fault;
using rafthttp::test::fault_proxy;
using tcp = asio::ip::tcp;

namespace {

// Echoes every connection's bytes back until the client closes.
struct echo_server {
  explicit echo_server(asio::io_context& ctx) : acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(ctx, accept_loop(acceptor), asio::detached);
  }
  ~echo_server() {
    std::error_code ignored;
    acceptor.close(ignored);
  }

  static asio::awaitable<void> accept_loop(tcp::acceptor& a) {
    for (;;) {
      auto [ec, socket] = co_await a.async_accept(http::use_tuple);
      if (ec) co_return;
      asio::co_spawn(a.get_executor(), echo(std::move(socket)), asio::detached);
    }
  }

  static asio::awaitable<void> echo(tcp::socket socket) {
    std::array<char, 8192> data;
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(data), http::use_tuple);
      if (ec) co_return;
      auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(data.data(), n), http::use_tuple);
      if (write_error) co_return;
    }
  }

  tcp::acceptor acceptor;
};

asio::awaitable<std::shared_ptr<http::connection>> dial(asio::io_context& ctx, tcp::endpoint to) {
  auto conn = http::connection::make(ctx.get_executor());
  const auto endpoints = tcp::resolver::results_type::create(to, "", "");
  const auto ec = co_await conn->connect(endpoints, http::deadline_after(1s));
  REQUIRE_FALSE(ec);
  co_return conn;
}

// Reads until `n` bytes came, an error, or the deadline.
asio::awaitable<std::string> read_n(http::connection& conn, std::size_t n, std::chrono::milliseconds within,
                                    std::error_code& ec) {
  std::string out;
  const auto deadline = http::deadline_after(within);
  while (out.size() < n) {
    char data[8192];
    std::size_t got;
    std::tie(ec, got) = co_await conn.read_some(asio::buffer(data, std::min(sizeof data, n - out.size())), deadline);
    out.append(data, got);
    if (ec) break;
  }
  co_return out;
}

asio::awaitable<void> send(http::connection& conn, const std::string& bytes) {
  const auto ec = co_await conn.write(asio::buffer(bytes), http::deadline_after(1s));
  REQUIRE_FALSE(ec);
}

}  // namespace

CORO_TEST_CASE("fault proxy: passes, blackholes, stalls and holds, delays, throttles") {
  echo_server echo(ctx);
  fault_proxy proxy(ctx, echo.acceptor.local_endpoint());
  auto conn = co_await dial(ctx, proxy.endpoint());
  std::error_code ec;
  co_await send(*conn, "GET /x HTTP/1.1\r\n");
  CHECK(co_await read_n(*conn, 17, 1s, ec) == "GET /x HTTP/1.1\r\n");
  CO_WAIT_UNTIL(proxy.links("GET /x") == 1);

  // Blackhole: writes succeed, nothing comes back, nothing later either.
  proxy.set(direction::to_server, fault::blackhole(), "GET /x");
  co_await send(*conn, "lost");
  CHECK((co_await read_n(*conn, 1, 200ms, ec)).empty());
  CHECK(ec == http::errc::timeout);
  proxy.heal();
  conn = co_await dial(ctx, proxy.endpoint());
  co_await send(*conn, "GET /y HTTP/1.1\r\n");
  CHECK((co_await read_n(*conn, 17, 1s, ec)).size() == 17);

  // Stall: held, not lost; healing forwards it.
  proxy.set(direction::to_client, fault::stall(), "GET /y");
  co_await send(*conn, "held");
  CHECK((co_await read_n(*conn, 1, 200ms, ec)).empty());
  conn = co_await dial(ctx, proxy.endpoint());  // the timeout closed it: a new link, same rule
  co_await send(*conn, "GET /y again\r\nheld");
  CHECK((co_await read_n(*conn, 1, 200ms, ec)).empty());
  CHECK(ec == http::errc::timeout);
  auto fresh = co_await dial(ctx, proxy.endpoint());
  co_await send(*fresh, "GET /y HTTP/1.1\r\nheld");
  CO_WAIT_UNTIL(proxy.links("GET /y") == 3);
  const auto stalled = proxy.newest("GET /y");
  REQUIRE(stalled);
  proxy.heal();
  CHECK(co_await read_n(*fresh, 21, 1s, ec) == "GET /y HTTP/1.1\r\nheld");
  CHECK(stalled->open);

  // Delay: each piece arrives no sooner than the delay.
  proxy.set(direction::to_client, fault::delay(150ms));
  auto start = http::clock::now();
  co_await send(*fresh, "late");
  CHECK(co_await read_n(*fresh, 4, 2s, ec) == "late");
  CHECK(http::clock::now() - start >= 150ms);
  proxy.heal();

  // Throttle: 64 KiB at 128 KiB/s takes about half a second.
  proxy.set(direction::to_client, fault::throttle(128 * 1024));
  start = http::clock::now();
  co_await send(*fresh, std::string(64 * 1024, 't'));
  CHECK((co_await read_n(*fresh, 64 * 1024, 5s, ec)).size() == 64 * 1024);
  CHECK(http::clock::now() - start >= 400ms);
  proxy.stop();
}

CORO_TEST_CASE("fault proxy: corrupts and resets the next matching link once; without upstream it holds") {
  echo_server echo(ctx);
  fault_proxy proxy(ctx, echo.acceptor.local_endpoint());
  auto conn = co_await dial(ctx, proxy.endpoint());
  std::error_code ec;
  co_await send(*conn, "GET /c HTTP/1.1\r\n");
  CHECK((co_await read_n(*conn, 17, 1s, ec)).size() == 17);
  proxy.corrupt(direction::to_client, 3, 4, "GET /c");
  co_await send(*conn, "0123456789");
  CHECK(co_await read_n(*conn, 10, 1s, ec) == "012\xff\xff\xff\xff" "789");
  CHECK_FALSE(proxy.tampering_pending());
  co_await send(*conn, "0123456789");  // once only
  CHECK(co_await read_n(*conn, 10, 1s, ec) == "0123456789");

  proxy.reset_after(direction::to_client, 5, "GET /c");
  co_await send(*conn, "0123456789");
  CHECK(co_await read_n(*conn, 10, 1s, ec) == "01234");
  CHECK(ec == http::errc::connection_closed);  // a reset
  CHECK(proxy.newest("GET /c")->was_reset);

  // No upstream: accepted, read, never answered, never closed.
  proxy.hold_new_links();
  auto held = co_await dial(ctx, proxy.endpoint());
  co_await send(*held, "GET /h HTTP/1.1\r\n\r\n");
  CHECK((co_await read_n(*held, 1, 300ms, ec)).empty());
  CHECK(ec == http::errc::timeout);
  CHECK(proxy.links("GET /h") == 1);
  CHECK(proxy.newest("GET /h")->held);
  proxy.stop();
}
