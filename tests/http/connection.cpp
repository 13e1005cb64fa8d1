// Deadlines on reads and writes (a silent peer cannot hold an operation).
#include <rafthttp/http/connection.hpp>

#include "support/coro.hpp"

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace rafthttp::http;
using namespace std::chrono_literals;

namespace {

// A client connection to a loopback acceptor, and the server's end of it.
struct loopback_link {
  std::shared_ptr<connection> client;
  tcp::socket server;
};

asio::awaitable<loopback_link> open_link(asio::io_context& ctx) {
  tcp::acceptor acceptor(ctx, {asio::ip::make_address("127.0.0.1"), 0});
  auto client = connection::make(ctx.get_executor());
  REQUIRE_FALSE(co_await client->connect(tcp::resolver::results_type::create(acceptor.local_endpoint(), "", ""),
                                         deadline_after(1s)));
  auto [accept_error, server] = co_await acceptor.async_accept(use_tuple);
  REQUIRE_FALSE(accept_error);
  loopback_link link{std::move(client), std::move(server)};
  co_return link;
}

}  // namespace

CORO_TEST_CASE("a read that gets nothing ends with http::errc::timeout at its deadline") {
  auto link = co_await open_link(ctx);  // the server's end stays open, unread
  auto& client = link.client;
  char byte;
  std::error_code ec;
  const auto start = clock::now();
  std::size_t n;
  std::tie(ec, n) = co_await client->read_some(asio::buffer(&byte, 1), deadline_after(100ms));
  CHECK(n == 0);
  CHECK(ec == http::errc::timeout);
  CHECK(clock::now() - start >= 100ms);
  CHECK(clock::now() - start < 1s);
  CHECK_FALSE(client->is_open());
}

CORO_TEST_CASE("a write the peer never reads ends with http::errc::timeout") {
  auto link = co_await open_link(ctx);  // the server's end stays open, unread
  auto& client = link.client;
  const std::string big(64 * 1024 * 1024, 'x');  // more than the socket buffers hold
  const auto ec = co_await client->write(asio::buffer(big), deadline_after(200ms));
  CHECK(ec == http::errc::timeout);
}

CORO_TEST_CASE("reads without a deadline wait; close cancels them") {
  auto link = co_await open_link(ctx);  // the server's end stays open, unread
  auto& client = link.client;
  asio::steady_timer closer(ctx, 50ms);
  closer.async_wait([client](std::error_code) { client->close(); });
  char byte;
  std::error_code ec;
  ec = std::get<0>(co_await client->read_some(asio::buffer(&byte, 1), clock::time_point::max()));
  CHECK(ec == asio::error::operation_aborted);
  CHECK(client->remote_address() == "unknown");
}

CORO_TEST_CASE("a connection its owners dropped without close() is freed by its watchdog") {
  tcp::acceptor acceptor(ctx, {asio::ip::make_address("127.0.0.1"), 0});
  auto client = connection::make(ctx.get_executor());
  REQUIRE_FALSE(co_await client->connect(tcp::resolver::results_type::create(acceptor.local_endpoint(), "", ""),
                                         deadline_after(200ms)));  // the watchdog runs from here on
  std::weak_ptr<connection> watched = client;
  client.reset();  // idle, never closed: nothing can use it any more
  CO_WAIT_UNTIL(watched.expired());
}

CORO_TEST_CASE("write_now writes what the socket takes without waiting; nothing once closed") {
  auto link = co_await open_link(ctx);
  auto& client = link.client;
  auto& socket = link.server;
  CHECK(client->write_now(asio::buffer("hello", 5)) == 5);
  CHECK(socket.available() == 5);

  // The peer reads nothing: the socket takes part of a large write, then
  // nothing (it would block), and returns at once each time.
  const std::string big(64 * 1024 * 1024, 'x');
  const auto start = clock::now();
  const std::size_t taken = client->write_now(asio::buffer(big));
  CHECK(taken > 0);
  CHECK(taken < big.size());
  CHECK(client->write_now(asio::buffer(big)) == 0);
  CHECK(clock::now() - start < 1s);

  client->close();
  CHECK(client->write_now(asio::buffer("late", 4)) == 0);
}

CORO_TEST_CASE("delay_acks turns the kernel's quick ACKs off (a one-way stream's reader needs no immediate ACK)") {
  auto link = co_await open_link(ctx);
  auto& client = link.client;
  auto quick_acks = [&client] {
    int value = -1;
    socklen_t size = sizeof value;
    REQUIRE(::getsockopt(client->socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &value, &size) == 0);
    return value;
  };
  CHECK(quick_acks() == 1);  // a new connection acknowledges at once
  client->delay_acks();
  CHECK(quick_acks() == 0);
  client->close();
  client->delay_acks();  // closed: nothing to do, and no harm
}
