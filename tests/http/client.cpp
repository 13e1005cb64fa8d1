// The client: keep-alive reuse, a stale pooled connection retried once.
#include <rafthttp/http/client.hpp>

#include "support/coro.hpp"

#include <rafthttp/http/server.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace rafthttp::http;
using namespace std::chrono_literals;
using test::elapse;

namespace {

router counting_router(int& requests) {
  router r;
  r.mount("/raft", [&requests](exchange& ex) -> asio::awaitable<void> {
    ++requests;
    detail::byte_buffer body;
    (void)co_await ex.read_body(body, 1024);
    (void)co_await ex.respond(204, {});
  });
  return r;
}

}  // namespace

CORO_TEST_CASE("round trips reuse one pooled connection") {
  int requests = 0;
  const auto routes = counting_router(requests);
  server s(ctx.get_executor(), routes);
  REQUIRE_FALSE(s.listen({asio::ip::make_address("127.0.0.1"), 0}));
  const auto url = *parse_peer_url("http://127.0.0.1:" + std::to_string(s.local_endpoint().port()));
  const http::client_options options;
  connection_pool pool(options);
  const client_context client(ctx.get_executor(), pool, options);
  for (int i = 0; i < 10; ++i) {
    const auto [ec, r] = co_await round_trip(client, outgoing_request(url, request_head("POST", "/raft"), {}, 1024));
    REQUIRE_FALSE(ec);
    CHECK(r.status == 204);
    CHECK(s.connection_count() == 1);
  }
  CHECK(requests == 10);
}

CORO_TEST_CASE("a pooled connection the server closed is retried once on a fresh one") {
  int requests = 0;
  const auto routes = counting_router(requests);
  http::server_options server_options;
  server_options.read_timeout = 50ms;  // closes idle connections fast (the idle wait is a head read)
  server s(ctx.get_executor(), routes, server_options);
  REQUIRE_FALSE(s.listen({asio::ip::make_address("127.0.0.1"), 0}));
  const auto url = *parse_peer_url("http://127.0.0.1:" + std::to_string(s.local_endpoint().port()));
  http::client_options options;
  options.pool_idle_timeout = 10s;  // keeps the (by then closed) connection in the pool
  connection_pool pool(options);
  const client_context client(ctx.get_executor(), pool, options);
  const request_head head("POST", "/raft");
  const auto first = std::get<0>(co_await round_trip(client, outgoing_request(url, head, {}, 1024)));
  REQUIRE_FALSE(first);
  CO_WAIT_UNTIL(s.connection_count() == 0);  // the server dropped it
  const auto [ec, r] = co_await round_trip(client, outgoing_request(url, head, {}, 1024));
  CHECK_FALSE(ec);
  CHECK(r.status == 204);
  CHECK(requests == 2);
}

CORO_TEST_CASE("dialling a port nobody listens on fails cleanly") {
  const http::client_options options;
  connection_pool pool(options);
  const client_context client(ctx.get_executor(), pool, options);
  const auto nobody = *parse_peer_url("http://127.0.0.1:1");
  const auto [ec, r] = co_await round_trip(client, outgoing_request(nobody, request_head("GET", "/raft/probing"), {}, 1024));
  CHECK(ec);
  CHECK(r.status == 0);
  const auto unix_socket = co_await dial(*connection::make(ctx.get_executor()), *parse_peer_url("unix://a:1"),
                                        deadline_after(1s));
  CHECK(unix_socket == http::errc::invalid_url);  // unix sockets are not supported
}

CORO_TEST_CASE("a failed dial closes its connection at once: a down peer is redialled often") {
  auto conn = connection::make(ctx.get_executor());
  const auto ec = co_await dial(*conn, *parse_peer_url("http://127.0.0.1:1"), deadline_after(1s));
  CHECK(ec);
  CHECK_FALSE(conn->is_open());  // the socket is released, not left to the destructor
  std::weak_ptr<connection> watched = conn;
  conn.reset();
  CO_WAIT_UNTIL(watched.expired());  // and no watchdog keeps the connection alive
}
