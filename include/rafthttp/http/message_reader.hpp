// Reads one HTTP message from a connection: its head, then its body piece by
// piece as views into the connection's read buffer (no copy), whatever the
// framing (Content-Length, chunked, until EOF). Shared by the server (requests)
// and the client (responses).
#pragma once

#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/http/connection.hpp>
#include <rafthttp/http/parser.hpp>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>

#include <span>
#include <system_error>
#include <tuple>
#include <vector>

namespace rafthttp::http {

// A piece of a body and how reading it ended, in the order of Asio's as_tuple.
using body_piece = std::tuple<std::error_code, std::span<const std::uint8_t>>;

class message_reader {
 public:
  // The buffer may hold bytes already read (a pipelined request); after the
  // message it holds whatever followed it.
  message_reader(connection& conn, parser& p, detail::byte_buffer& buffer)
      : conn_(conn), parser_(p), buffer_(buffer) {}
  message_reader(const message_reader&) = delete;

  // Reads until the head is complete, all of it before `deadline`.
  asio::awaitable<std::error_code> read_head(clock::time_point deadline) {
    for (;;) {
      if (!buffer_.empty()) {
        const auto result = parser_.parse(buffer_.bytes());
        if (result.error) co_return result.error;
        buffer_.consume(result.consumed);
        if (result.event == parse_event::head) co_return std::error_code{};
        if (result.event == parse_event::message_done) co_return errc::parse_error;
      }
      auto guard = conn_.arm_read(deadline);
      auto [read_error, n] = co_await conn_.async_read_some(read_space(head_read_chunk));
      std::error_code ec;
      const bool eof = took_read(head_read_chunk, n, guard.result(read_error), ec);
      if (ec) co_return ec;
      if (eof) co_return errc::connection_closed;
    }
  }

  // The next piece of the body, with how reading it ended (as as_tuple gives
  // them); an empty span without error at its end. Each socket read must
  // complete within `read_timeout`.
  asio::awaitable<body_piece> read_body_some(duration read_timeout) {
    std::error_code ec;
    for (;;) {
      if (next_piece_ < pieces_.size()) co_return body_piece(ec, pieces_[next_piece_++]);
      if (body_done_) co_return body_piece(ec, {});
      buffer_.consume(parsed_);
      parsed_ = 0;
      // Parse even an empty buffer: that is how llhttp completes a message
      // without a body right after its head.
      const auto result = parser_.parse(buffer_.bytes());
      if (result.error) co_return body_piece(result.error, {});
      take_pieces(result);
      if (!pieces_.empty() || body_done_) continue;
      buffer_.consume(parsed_);
      parsed_ = 0;
      auto guard = conn_.arm_read(deadline_after(read_timeout));
      auto [read_error, n] = co_await conn_.async_read_some(read_space(body_read_chunk));
      const bool eof = took_read(body_read_chunk, n, guard.result(read_error), ec);
      if (ec) co_return body_piece(ec, {});
      if (eof) {
        // The connection ended: that completes a body that runs until EOF.
        const auto end = parser_.finish();
        if (end.error) co_return body_piece(end.error, {});
        take_pieces(end);
      }
    }
  }

  // The whole body appended to `out`; more than `limit` bytes is an error.
  asio::awaitable<std::error_code> read_body(detail::byte_buffer& out, std::size_t limit, duration read_timeout) {
    for (;;) {
      const auto [ec, piece] = co_await read_body_some(read_timeout);
      if (ec) co_return ec;
      if (piece.empty()) co_return std::error_code{};
      if (out.size() + piece.size() > limit) co_return errc::body_too_large;
      out.append(piece);
    }
  }

  [[nodiscard]] bool body_done() const { return body_done_; }

  // After the body: leaves in the buffer only what follows the message.
  void release_parsed() {
    buffer_.consume(parsed_);
    parsed_ = 0;
  }

 private:
  // A head is a few hundred bytes, and a connection waiting for one (idle,
  // or a client that never sends) should hold little memory: small reads.
  // Bodies (streams, snapshots) are read in large ones.
  static constexpr std::size_t head_read_chunk = 4 * kib;
  static constexpr std::size_t body_read_chunk = 64 * kib;

  // A socket read of up to `chunk` bytes goes to the end of the buffer. The
  // callers await the socket themselves (connection::arm_read): a helper
  // coroutine here would cost an allocation per read.
  asio::mutable_buffer read_space(std::size_t chunk) { return asio::buffer(buffer_.grow(chunk), chunk); }

  // Keeps the `n` bytes read into read_space(chunk); returns true at EOF (an
  // end without error: `ec` stays clear).
  bool took_read(std::size_t chunk, std::size_t n, std::error_code read_error, std::error_code& ec) {
    buffer_.shrink_back(chunk - n);
    if (read_error == errc::connection_closed && n == 0) return true;
    ec = read_error;
    return false;
  }

  void take_pieces(const parse_result& result) {
    pieces_.assign(parser_.body_pieces().begin(), parser_.body_pieces().end());
    next_piece_ = 0;
    parsed_ = result.consumed;
    if (result.event == parse_event::message_done) body_done_ = true;
  }

  connection& conn_;
  parser& parser_;
  detail::byte_buffer& buffer_;
  std::vector<std::span<const std::uint8_t>> pieces_;
  std::size_t next_piece_ = 0;
  std::size_t parsed_ = 0;  // buffer bytes behind the pieces held
  bool body_done_ = false;
};

}  // namespace rafthttp::http
