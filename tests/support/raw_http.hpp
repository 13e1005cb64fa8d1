// Sends hand-written HTTP requests and reads the answer, for tests that need
// control over every header and byte.
#pragma once

#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/http/connection.hpp>
#include <rafthttp/http/message_reader.hpp>
#include <rafthttp/http/parser.hpp>

#include <asio/io_context.hpp>

#include <doctest/doctest.h>

#include <string>

namespace rafthttp::test {

struct raw_response {
  int status = 0;
  http::fields headers;
  std::string body;
  bool body_complete = false;  // the body ended as its framing says (not cut off)
  bool closed = false;         // the server closed the connection after answering
};

inline std::string request_text(std::string_view method, std::string_view target, const http::fields& headers,
                                std::string_view body = {}) {
  std::string out = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + std::string(body);
}

inline asio::awaitable<raw_response> raw_round_trip(asio::io_context& ctx, http::tcp::endpoint to,
                                                    std::string request, bool read_body = true) {
  auto conn = http::connection::make(ctx.get_executor());
  const auto endpoints = http::tcp::resolver::results_type::create(to, "", "");
  REQUIRE_FALSE(co_await conn->connect(endpoints, http::deadline_after(std::chrono::seconds(2))));
  REQUIRE_FALSE(co_await conn->write(asio::buffer(request), http::deadline_after(std::chrono::seconds(2))));
  http::parser p(http::parser::kind::response, 64 * 1024);
  detail::byte_buffer buffer;
  http::message_reader reader(*conn, p, buffer);
  raw_response out;
  const auto head_error = co_await reader.read_head(http::deadline_after(std::chrono::seconds(5)));
  if (head_error) {
    out.closed = true;  // no answer at all
    co_return out;
  }
  out.status = p.response().status;
  out.headers = p.response().headers;
  if (!read_body) co_return out;
  detail::byte_buffer body;
  const auto ec = co_await reader.read_body(body, 64 * 1024 * 1024, std::chrono::seconds(5));
  out.body.assign(reinterpret_cast<const char*>(body.data()), body.size());
  if (ec) {
    out.closed = true;
    co_return out;
  }
  out.body_complete = true;
  char byte;
  const auto [read_error, n] = co_await conn->read_some(asio::buffer(&byte, 1), http::deadline_after(std::chrono::milliseconds(200)));
  out.closed = n == 0 && read_error == http::errc::connection_closed;
  co_return out;
}

}  // namespace rafthttp::test
