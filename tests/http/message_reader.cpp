// One message at a time from a connection, whatever its framing.
#include <rafthttp/http/message_reader.hpp>

#include "support/coro.hpp"

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace rafthttp::http;
using namespace std::chrono_literals;

namespace {

// Serves `bytes` on a loopback connection, then closes; reads with a reader.
struct scripted {
  asio::awaitable<std::shared_ptr<connection>> connect(asio::io_context& ctx, std::string bytes) {
    acceptor = std::make_unique<tcp::acceptor>(ctx, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0});
    auto client = connection::make(ctx.get_executor());
    REQUIRE_FALSE(co_await client->connect(tcp::resolver::results_type::create(acceptor->local_endpoint(), "", ""),
                                           deadline_after(1s)));
    auto [ec, socket] = co_await acceptor->async_accept(use_tuple);
    REQUIRE_FALSE(ec);
    server = std::make_shared<connection>(std::move(socket));
    REQUIRE_FALSE(co_await server->write(asio::buffer(bytes), deadline_after(1s)));
    server->close();
    co_return client;
  }
  std::unique_ptr<tcp::acceptor> acceptor;
  std::shared_ptr<connection> server;
};

asio::awaitable<std::string> whole_body(message_reader& reader) {
  detail::byte_buffer body;
  REQUIRE_FALSE(co_await reader.read_body(body, 1 << 20, 1s));
  co_return std::string(reinterpret_cast<const char*>(body.data()), body.size());
}

}  // namespace

CORO_TEST_CASE("bodies framed by length, chunks or EOF; what follows a message stays") {
  scripted s;
  auto conn = co_await s.connect(ctx,
                                 "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                                 "HTTP/1.1 204 No Content\r\n\r\n"
                                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n"
                                 "HTTP/1.1 200 OK\r\n\r\nuntil the end");
  parser p(parser::kind::response, 4096);
  detail::byte_buffer buffer;
  for (const char* expected : {"abc", "", "def", "until the end"}) {
    message_reader reader(*conn, p, buffer);
    REQUIRE_FALSE(co_await reader.read_head(deadline_after(1s)));
    CHECK(co_await whole_body(reader) == expected);
    reader.release_parsed();
  }
}

CORO_TEST_CASE("a body cut short is an error, a body over the limit too") {
  scripted s;
  auto conn = co_await s.connect(ctx, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
  parser p(parser::kind::response, 4096);
  detail::byte_buffer buffer;
  message_reader reader(*conn, p, buffer);
  REQUIRE_FALSE(co_await reader.read_head(deadline_after(1s)));
  detail::byte_buffer body;
  CHECK(co_await reader.read_body(body, 100, 1s) == http::errc::connection_closed);

  scripted t;
  auto conn2 = co_await t.connect(ctx, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
  parser q(parser::kind::response, 4096);
  detail::byte_buffer buffer2;
  message_reader reader2(*conn2, q, buffer2);
  REQUIRE_FALSE(co_await reader2.read_head(deadline_after(1s)));
  detail::byte_buffer small;
  CHECK(co_await reader2.read_body(small, 5, 1s) == http::errc::body_too_large);
}
