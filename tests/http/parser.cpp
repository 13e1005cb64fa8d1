#include <rafthttp/http/parser.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace rafthttp;
using namespace rafthttp::http;

namespace {

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Feeds `text` in pieces of `piece` bytes; collects the body; returns the
// events seen in order.
struct run_result {
  std::vector<parse_event> events;
  std::string body;
  std::error_code error;
};

run_result run(parser& p, std::string_view text, std::size_t piece) {
  run_result out;
  std::string pending;
  for (std::size_t at = 0; at < text.size(); at += piece) {
    pending += text.substr(at, piece);
    for (;;) {
      auto r = p.parse(as_bytes(pending));
      for (auto b : p.body_pieces()) out.body.append(reinterpret_cast<const char*>(b.data()), b.size());
      if (r.error) {
        out.error = r.error;
        return out;
      }
      pending.erase(0, r.consumed);
      if (r.event == parse_event::need_more) break;
      out.events.push_back(r.event);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("parses Go's requests however they are split") {
  const std::string request =
      "POST /raft HTTP/1.1\r\nHost: 127.0.0.1:38317\r\nContent-Length: 5\r\n"
      "X-Etcd-Cluster-Id: 7b\r\nX-Server-From:  1a \r\n\r\nhello"
      "GET /raft/stream/msgapp/1a?x=1 HTTP/1.1\r\nX-Raft-To: 2b\r\n\r\n";
  for (std::size_t piece : {1, 3, 17, 1000}) {
    CAPTURE(piece);
    parser p(parser::kind::request, 4096);
    auto r = run(p, request, piece);
    REQUIRE_FALSE(r.error);
    CHECK(r.events == std::vector{parse_event::head, parse_event::message_done, parse_event::head,
                                  parse_event::message_done});
    CHECK(r.body == "hello");
    CHECK(p.request().method == "GET");
    CHECK(p.request().path() == "/raft/stream/msgapp/1a");
    CHECK(p.request().headers.get("x-raft-to") == "2b");
  }
}

TEST_CASE("header names compare case-insensitively and values are trimmed") {
  parser p(parser::kind::request, 4096);
  auto r = run(p, "GET / HTTP/1.1\r\nX-Server-From:  1a \r\n\r\n", 1000);
  REQUIRE_FALSE(r.error);
  CHECK(p.request().headers.get("X-SERVER-FROM") == "1a");
}

TEST_CASE("chunked bodies arrive whole whatever the chunking") {
  const std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n1\r\nd\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
  for (std::size_t piece : {1, 2, 5, 1000}) {
    parser p(parser::kind::response, 4096);
    auto r = run(p, response, piece);
    REQUIRE_FALSE(r.error);
    CHECK(r.body == "abcd0123456789abcdef");
    CHECK(r.events.back() == parse_event::message_done);
    CHECK(p.response().status == 200);
  }
}

TEST_CASE("a response body without length ends at EOF") {
  parser p(parser::kind::response, 4096);
  auto r = run(p, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nsome body", 1000);
  REQUIRE_FALSE(r.error);
  CHECK(r.events == std::vector{parse_event::head});
  CHECK(p.body_until_eof());
  CHECK(r.body == "some body");
  CHECK(p.finish().event == parse_event::message_done);
}

TEST_CASE("a head above the limit is an error, even when trickled") {
  parser p(parser::kind::request, 64);
  std::string request = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 20; ++i) request += "X-Pad: aaaaaaaa\r\n";
  auto r = run(p, request, 1);
  CHECK(r.error == http::errc::header_too_large);
}

TEST_CASE("garbage is a parse error") {
  parser p(parser::kind::request, 4096);
  CHECK(run(p, "\x01\x02garbage\r\n\r\n", 1000).error == http::errc::parse_error);
  parser q(parser::kind::response, 4096);
  CHECK(run(q, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 1000).error ==
        http::errc::parse_error);
}

TEST_CASE("a chunk cut by a buffer boundary never yields an empty body piece") {
  // As a stream reader sees it: the head in one read, then a chunk cut at
  // every possible place, with an empty parse between the two parts.
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk = "40\r\n" + std::string(64, 'a') + "\r\n" + "1\r\nb\r\n";
  for (std::size_t cut = 0; cut <= chunk.size(); ++cut) {
    CAPTURE(cut);
    parser p(parser::kind::response, 4096);
    REQUIRE(p.parse(as_bytes(head)).event == parse_event::head);
    std::size_t total = 0;
    // An empty parse in between is what a reader does before it reads more.
    for (auto part : {std::string_view(chunk).substr(0, cut), std::string_view(), std::string_view(chunk).substr(cut)}) {
      const auto r = p.parse(as_bytes(part));
      REQUIRE_FALSE(r.error);
      for (auto piece : p.body_pieces()) {
        CHECK_FALSE(piece.empty());
        total += piece.size();
      }
    }
    CHECK(total == 65);
  }
}
