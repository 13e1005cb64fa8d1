// Hand-made peers for transport tests: a server that records what arrives on
// /raft and answers as told, and a client that dials our stream endpoints as
// a peer would and decodes what our writers send.
#pragma once

#include "support/coro.hpp"
#include "support/raw_http.hpp"

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/codec/msgappv2.hpp>
#include <rafthttp/http/server.hpp>
#include <rafthttp/raftpb/codec.hpp>
#include <rafthttp/stream.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <variant>
#include <vector>

namespace rafthttp::test {

inline http::tcp::endpoint loopback() { return {asio::ip::make_address("127.0.0.1"), 0}; }

inline url_list url_of(http::tcp::endpoint e) {
  return *url_list::parse("http://127.0.0.1:" + std::to_string(e.port()));
}

// Records POST /raft bodies; answers `status` (204 by default) once `release`
// allows (for tests that need requests in flight).
struct recording_server {
  explicit recording_server(asio::io_context& ctx) : released(ctx.get_executor()), server(ctx.get_executor(), routes) {
    routes.mount("/raft", [this](http::exchange& ex) -> asio::awaitable<void> {
      requests.push_back(ex.request());
      detail::byte_buffer body;
      (void)co_await ex.read_body(body, 64 * 1024 * 1024);
      message m;
      if (!raftpb::decode(body.bytes(), m)) received.push_back(m);
      ++in_flight;
      while (hold) co_await released.wait();
      --in_flight;
      (void)co_await ex.respond(status, {}, status == 204 ? "" : "no\n");
    });
    REQUIRE_FALSE(server.listen(loopback()));
  }

  void release_all() {
    hold = false;
    released.notify();
  }

  [[nodiscard]] url_list url() const { return url_of(server.local_endpoint()); }

  int status = 204;
  bool hold = false;
  int in_flight = 0;
  std::vector<http::request_head> requests;
  std::vector<message> received;
  detail::notifier released;
  http::router routes;
  http::server server;
};

// Dials GET /raft/stream/<type>/<from> on a transport, as a peer's reader.
class stream_client {
 public:
  stream_client(asio::io_context& ctx, stream_type type, member_id from, member_id to)
      : type_(type), conn_(http::connection::make(ctx.get_executor())), from_(from), to_(to),
        parser_(http::parser::kind::response, 64 * 1024), reader_(*conn_, parser_, buffer_),
        decoder_(type == stream_type::message ? decoder(codec::message_stream_decoder())
                                              : decoder(codec::msgappv2_decoder(from, to))) {}

  asio::awaitable<int> dial(http::tcp::endpoint at, std::string cluster = "7b") {
    http::fields h;
    h.add("X-Server-From", format_id(from_));
    h.add("X-Server-Version", "3.4.23");
    h.add("X-Min-Cluster-Version", "3.0.0");
    h.add("X-Etcd-Cluster-ID", cluster);
    h.add("X-Raft-To", format_id(to_));
    const auto target = "/raft/stream/" + std::string(path_segment(type_)) + "/" + format_id(from_);
    const auto request = request_text("GET", target, h);
    REQUIRE_FALSE(co_await conn_->connect(http::tcp::resolver::results_type::create(at, "", ""),
                                          http::deadline_after(std::chrono::seconds(1))));
    REQUIRE_FALSE(co_await conn_->write(asio::buffer(request), http::deadline_after(std::chrono::seconds(1))));
    const auto ec = co_await reader_.read_head(http::deadline_after(std::chrono::seconds(2)));
    co_return ec ? 0 : parser_.response().status;
  }

  // The next message that is not a link heartbeat; an error if none comes.
  asio::awaitable<std::optional<message>> next(std::chrono::milliseconds within = std::chrono::milliseconds(2000)) {
    const auto until = http::clock::now() + within;
    while (ready_.empty() && http::clock::now() < until) {
      const auto [ec, piece] = co_await reader_.read_body_some(within);
      if (ec || piece.empty()) break;
      const auto feed_error = std::visit(
          [&](auto& d) { return d.feed(piece, [&](message& m) {
            if (!raftpb::is_link_heartbeat(m)) ready_.push_back(m);
          }); },
          decoder_);
      if (feed_error) break;
    }
    if (ready_.empty()) co_return std::nullopt;
    auto m = ready_.front();
    ready_.erase(ready_.begin());
    co_return m;
  }

  void close() { conn_->close(); }

 private:
  using decoder = std::variant<codec::message_stream_decoder, codec::msgappv2_decoder>;

  stream_type type_;
  std::shared_ptr<http::connection> conn_;
  member_id from_;
  member_id to_;
  http::parser parser_;
  detail::byte_buffer buffer_;
  http::message_reader reader_;
  decoder decoder_;
  std::vector<message> ready_;
};

}  // namespace rafthttp::test
