#include <rafthttp/http/server.hpp>

#include "support/coro.hpp"

#include <rafthttp/http/client.hpp>

#include <asio/read.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace rafthttp::http;
using namespace std::chrono_literals;
using rafthttp::test::elapse;

namespace {

tcp::endpoint loopback_any() { return {asio::ip::make_address("127.0.0.1"), 0}; }

// Writes raw bytes, then reads until the server closes the connection (or
// `bound` passes); returns what arrived.
asio::awaitable<std::string> raw(asio::io_context& ctx, const server& s, std::string request,
                                 std::chrono::milliseconds bound = 3000ms) {
  auto conn = connection::make(ctx.get_executor());
  std::error_code ec;
  tcp::resolver::results_type endpoints =
      tcp::resolver::results_type::create(s.local_endpoint(), "127.0.0.1", "0");
  ec = co_await conn->connect(endpoints, deadline_after(1s));
  REQUIRE_FALSE(ec);
  if (!request.empty()) REQUIRE_FALSE(co_await conn->write(asio::buffer(request), deadline_after(1s)));
  std::string out;
  const auto until = deadline_after(bound);
  for (;;) {
    char data[4096];
    std::size_t n;
    std::tie(ec, n) = co_await conn->read_some(asio::buffer(data), until);
    out.append(data, n);
    if (ec) break;
  }
  co_return out;
}

peer_url url_of(const server& s) {
  return *parse_peer_url("http://127.0.0.1:" + std::to_string(s.local_endpoint().port()));
}

router echo_router() {
  router r;
  r.mount("/echo", [](exchange& ex) -> asio::awaitable<void> {
    detail::byte_buffer body;
    if (auto ec = co_await ex.read_body(body, 1024)) {
      (void)co_await ex.respond_error(ec == http::errc::body_too_large ? 413 : 400, ec.message());
      co_return;
    }
    fields headers;
    headers.add("X-Method", ex.request().method);
    (void)co_await ex.respond(200, headers,
                              std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  });
  r.mount("/tree/", [](exchange& ex) -> asio::awaitable<void> {
    (void)co_await ex.respond(200, {}, "tree:" + std::string(ex.request().path()));
  });
  r.mount("/stream", [](exchange& ex) -> asio::awaitable<void> {
    (void)co_await ex.start_chunked(200, {});
    for (int i = 0; i < 3; ++i) {
      const std::string piece = "piece" + std::to_string(i);
      const auto ec = co_await ex.write_chunk({reinterpret_cast<const std::uint8_t*>(piece.data()), piece.size()});
      if (ec) co_return;
    }
  });
  return r;
}

}  // namespace

CORO_TEST_CASE("routes like Go's ServeMux and answers unknown paths with 404") {
  const router routes = echo_router();
  server s(ctx.get_executor(), routes);
  REQUIRE_FALSE(s.listen(loopback_any()));
  connection_pool pool(http::client_options{});
  const http::client_options options;
  const client_context client(ctx.get_executor(), pool, options);
  const auto url = url_of(s);
  auto [ec, response] = co_await round_trip(client, outgoing_request(url, request_head("GET", "/tree/a/b"), {}, 1024));
  REQUIRE_FALSE(ec);
  CHECK(response.status == 200);
  CHECK(response.body == "tree:/tree/a/b");
  std::tie(ec, response) = co_await round_trip(client, outgoing_request(url, request_head("GET", "/echo/x"), {}, 1024));
  CHECK(response.status == 404);
  CHECK(response.body == "404 page not found\n");
  CHECK(response.headers.get("Content-Type") == "text/plain; charset=utf-8");
  s.stop();
}

CORO_TEST_CASE("keep-alive: sequential requests share one connection, pipelined ones too") {
  const router routes = echo_router();
  server s(ctx.get_executor(), routes);
  REQUIRE_FALSE(s.listen(loopback_any()));
  connection_pool pool(http::client_options{});
  const http::client_options options;
  const client_context client(ctx.get_executor(), pool, options);
  const auto url = url_of(s);
  for (int i = 0; i < 5; ++i) {
    const std::string body = "body" + std::to_string(i);
    const auto [ec, response] = co_await round_trip(
        client, outgoing_request(url, request_head("POST", "/echo"),
                                 {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}, 1024));
    REQUIRE_FALSE(ec);
    CHECK(response.body == body);
    CHECK(s.connection_count() == 1);
  }
  const auto pipelined = co_await raw(ctx, s,
                                      "POST /echo HTTP/1.1\r\nContent-Length: 1\r\n\r\na"
                                      "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n"
                                      "GET /tree/c HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(pipelined.find("Content-Length: 1\r\n\r\na") != std::string::npos);
  CHECK(pipelined.find("Content-Length: 1\r\n\r\nb") != std::string::npos);
  CHECK(pipelined.ends_with("tree:/tree/c"));
  // HEAD: the head only (Content-Length as for GET), so that the next
  // response follows at once on the connection.
  const auto head_then_get = co_await raw(ctx, s,
                                          "HEAD /tree/h HTTP/1.1\r\n\r\n"
                                          "GET /tree/c HTTP/1.1\r\nConnection: close\r\n\r\n");
  const auto end_of_head = head_then_get.find("\r\n\r\n");
  REQUIRE(end_of_head != std::string::npos);
  CHECK(head_then_get.substr(0, end_of_head).find("Content-Length: 12") != std::string::npos);  // "tree:/tree/h"
  CHECK(head_then_get.substr(end_of_head + 4).starts_with("HTTP/1.1 200 OK"));
  CHECK(head_then_get.ends_with("tree:/tree/c"));
  s.stop();
}

CORO_TEST_CASE("chunked response bodies stream") {
  const router routes = echo_router();
  server s(ctx.get_executor(), routes);
  REQUIRE_FALSE(s.listen(loopback_any()));
  const auto response = co_await raw(ctx, s, "GET /stream HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(response.find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(response.ends_with("6\r\npiece0\r\n6\r\npiece1\r\n6\r\npiece2\r\n0\r\n\r\n"));
  s.stop();
}

CORO_TEST_CASE("bad requests get 400, oversized heads 431, oversized bodies the handler's answer") {
  const router routes = echo_router();
  http::server_options options;
  options.max_header_bytes = 256;
  server s(ctx.get_executor(), routes, options);
  REQUIRE_FALSE(s.listen(loopback_any()));
  CHECK((co_await raw(ctx, s, "\x16\x03\x01garbage\r\n\r\n")).starts_with("HTTP/1.1 400 Bad Request"));
  CHECK((co_await raw(ctx, s, "GET / HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n"))
            .starts_with("HTTP/1.1 431 "));
  CHECK((co_await raw(ctx, s, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
            .starts_with("HTTP/1.1 400 "));
  CHECK((co_await raw(ctx, s, "POST /echo HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x')))
            .starts_with("HTTP/1.1 413 "));
  s.stop();
}

CORO_TEST_CASE("a silent or trickling client loses its connection after the read timeout") {
  const router routes = echo_router();
  http::server_options options;
  options.read_timeout = 200ms;
  server s(ctx.get_executor(), routes, options);
  REQUIRE_FALSE(s.listen(loopback_any()));
  const auto start = clock::now();
  CHECK((co_await raw(ctx, s, "")).empty());  // silent: closed, nothing sent
  CHECK(clock::now() - start < 2s);

  // One byte every 50 ms never completes the head within 200 ms.
  auto conn = connection::make(ctx.get_executor());
  REQUIRE_FALSE(co_await conn->connect(tcp::resolver::results_type::create(s.local_endpoint(), "", ""),
                                       deadline_after(1s)));
  const std::string head = "GET /tree/x HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  std::error_code write_error;
  for (char c : head) {
    write_error = co_await conn->write(asio::buffer(&c, 1), deadline_after(1s));
    if (write_error) break;
    co_await elapse(ctx, 50ms);
  }
  CHECK(write_error);  // the server closed it before the head was complete
  s.stop();
}

CORO_TEST_CASE("connections above the limit are closed at once") {
  const router routes = echo_router();
  http::server_options options;
  options.max_connections = 2;
  server s(ctx.get_executor(), routes, options);
  REQUIRE_FALSE(s.listen(loopback_any()));
  std::vector<std::shared_ptr<connection>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(connection::make(ctx.get_executor()));
    REQUIRE_FALSE(co_await held.back()->connect(tcp::resolver::results_type::create(s.local_endpoint(), "", ""),
                                                deadline_after(1s)));
  }
  CO_WAIT_UNTIL(s.connection_count() >= 2);
  CHECK((co_await raw(ctx, s, "GET /tree/x HTTP/1.1\r\n\r\n", 1000ms)).empty());
  CHECK(s.connection_count() == 2);
  s.stop();
}

CORO_TEST_CASE("stop closes every connection") {
  const router routes = echo_router();
  server s(ctx.get_executor(), routes);
  REQUIRE_FALSE(s.listen(loopback_any()));
  auto conn = connection::make(ctx.get_executor());
  REQUIRE_FALSE(co_await conn->connect(tcp::resolver::results_type::create(s.local_endpoint(), "", ""),
                                       deadline_after(1s)));
  CO_WAIT_UNTIL(s.connection_count() >= 1);
  s.stop();
  char data[16];
  const auto [ec, n] = co_await conn->read_some(asio::buffer(data), deadline_after(2s));
  CHECK(n == 0);
  CHECK(ec == http::errc::connection_closed);
}

CORO_TEST_CASE("a response that cannot be written is kept as the exchange's write error and ends the connection") {
  router routes;
  std::error_code returned, kept;
  bool handled = false;
  routes.mount("/gone", [&](exchange& ex) -> asio::awaitable<void> {
    ex.conn().close();  // the write below cannot succeed
    returned = co_await ex.respond(200, {}, "late");
    kept = ex.write_error();
    handled = true;
  });
  server s(ctx.get_executor(), routes);
  REQUIRE_FALSE(s.listen(loopback_any()));
  const auto reply = co_await raw(ctx, s, "GET /gone HTTP/1.1\r\n\r\n");
  CO_WAIT_UNTIL(handled);
  CHECK(returned);
  CHECK(kept == returned);
  CHECK(reply.empty());
  CO_WAIT_UNTIL(s.connection_count() == 0);
  s.stop();
}
