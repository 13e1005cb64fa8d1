// A TCP connection, plain or TLS, whose reads, writes, connect and handshake
// carry deadlines, as every I/O on a Go peer connection does
// (doc/protocol.md 9.4). Every channel (streams, pipeline, snapshots, probes) uses this one
// type, so none is written twice for TLS.
//
// Deadlines cost nothing per operation beyond reading the clock: one watchdog
// coroutine per connection sleeps until the earliest deadline of the pending
// operations and closes the socket when it passes; the operation then fails
// with errc::timeout.
#pragma once

#include <rafthttp/detail/spawn.hpp>
#include <rafthttp/http/error.hpp>
#include <rafthttp/http/options.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/awaitable.hpp>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <tuple>

namespace rafthttp::http {

using clock = std::chrono::steady_clock;
using tcp = asio::ip::tcp;
inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// A deadline `timeout` from now; a zero or negative timeout means none.
[[nodiscard]] inline clock::time_point deadline_after(duration timeout) {
  return timeout > duration::zero() ? clock::now() + timeout : clock::time_point::max();
}

class connection : public std::enable_shared_from_this<connection> {
 public:
  explicit connection(tcp::socket socket) : socket_(std::move(socket)), watchdog_(socket_.get_executor()) {}

  [[nodiscard]] static std::shared_ptr<connection> make(asio::any_io_executor ex) {
    return std::make_shared<connection>(tcp::socket(ex));
  }

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  [[nodiscard]] asio::any_io_executor get_executor() { return socket_.get_executor(); }
  [[nodiscard]] tcp::socket& socket() { return socket_; }
  [[nodiscard]] bool is_open() const { return socket_.is_open(); }

  // "ip:port" of the other side (etcd labels some failure metrics with it).
  [[nodiscard]] std::string remote_address() const {
    std::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (ec) return "unknown";
    const auto ip = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(ep.port());
  }

  asio::awaitable<std::error_code> connect(const tcp::resolver::results_type& endpoints,
                                           clock::time_point deadline) {
    auto guard = arm(deadline, slot::read);
    auto [ec, endpoint] = co_await asio::async_connect(socket_, endpoints, use_tuple);
    if (!ec) {
      std::error_code ignored;
      socket_.set_option(tcp::no_delay(true), ignored);
      socket_.set_option(asio::socket_base::keep_alive(true), ignored);
    }
    co_return guard.result(ec);
  }

  // Switches to TLS and runs the handshake: as a client (verifying the
  // server as `server_name` unless the context skips verification) or as a
  // server. The context stays alive with the connection.
  asio::awaitable<std::error_code> start_tls(std::shared_ptr<asio::ssl::context> context, bool as_client,
                                             const std::string& server_name, clock::time_point deadline) {
    tls_context_ = std::move(context);
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *tls_context_);
    if (as_client && !server_name.empty()) {
      SSL* ssl = tls_->native_handle();
      std::error_code parse_error;
      (void)asio::ip::make_address(server_name, parse_error);
      if (parse_error) SSL_set_tlsext_host_name(ssl, server_name.c_str());
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (parse_error) X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
      else X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str());
    }
    auto guard = arm(deadline, slot::read);
    const auto type = as_client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server;
    auto [ec] = co_await tls_->async_handshake(type, use_tuple);
    co_return guard.result(ec);
  }

  // The TLS session (null for a plain connection).
  [[nodiscard]] SSL* tls_session() const { return tls_ ? tls_->native_handle() : nullptr; }

 private:
  enum class slot { read, write };

 public:
  // Marks an operation pending with its deadline until it completes, and maps
  // the abort the watchdog caused to errc::timeout.
  class armed {
   public:
    armed(connection& c, slot s) : c_(c), s_(s) {}
    armed(const armed&) = delete;
    ~armed() { c_.deadline(s_) = clock::time_point::max(); }
    [[nodiscard]] std::error_code result(std::error_code ec) const {
      if (ec && c_.timed_out_) return errc::timeout;
      if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated)
        return errc::connection_closed;
      return ec;
    }

   private:
    connection& c_;
    slot s_;
  };

  // A read or write with its deadline in the caller's own coroutine frame,
  // for the paths every stream byte takes. Each coroutine frame on a path
  // costs a heap allocation once Asio's per-thread frame cache (two blocks) is
  // full, so a read through read_some() below, inside two more coroutines,
  // allocates; awaiting the socket directly does not:
  //   auto guard = conn.arm_read(deadline);
  //   auto [ec, n] = co_await conn.async_read_some(buffer);
  //   ec = guard.result(ec);
  [[nodiscard]] armed arm_read(clock::time_point deadline) { return arm(deadline, slot::read); }
  [[nodiscard]] armed arm_write(clock::time_point deadline) { return arm(deadline, slot::write); }

  [[nodiscard]] asio::awaitable<std::tuple<std::error_code, std::size_t>> async_read_some(asio::mutable_buffer buffer) {
    if (tls_) return tls_->async_read_some(buffer, use_tuple);
    return socket_.async_read_some(buffer, use_tuple);
  }

  template <class ConstBufferSequence>
  [[nodiscard]] asio::awaitable<std::tuple<std::error_code, std::size_t>> async_write(const ConstBufferSequence& buffers) {
    if (tls_) return asio::async_write(*tls_, buffers, use_tuple);
    return asio::async_write(socket_, buffers, use_tuple);
  }

  // Writes what the socket takes now without waiting, and returns how many
  // bytes that was: 0 when it would block, on a TLS connection (a record
  // cannot be half written outside the TLS stream's own operations) and on
  // error, which the next awaited write meets again.
  template <class ConstBufferSequence>
  [[nodiscard]] std::size_t write_now(const ConstBufferSequence& buffers) {
    if (tls_ || closed_) return 0;
    std::error_code ec;
    if (!socket_.non_blocking()) socket_.non_blocking(true, ec);
    if (ec) return 0;
    return socket_.write_some(buffers, ec);
  }

  // Lets the kernel delay and coalesce the ACKs of what this side reads
  // (Linux's TCP_QUICKACK off, which the kernel turns back on by itself, so a
  // reader repeats it after each read). For a connection that carries data
  // one way, as a stream does: there no answer carries the ACK, and each read
  // of a small message would send a bare one from inside recv(), between the
  // data's arrival and raft.
  void delay_acks() {
#ifdef TCP_QUICKACK
    const int off = 0;
    if (socket_.is_open()) (void)::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &off, sizeof off);
#endif
  }

  // The same in one call: reads what is available (at least one byte) into
  // `buffer` (how it ended and how many bytes, as as_tuple gives them);
  // writes all of `buffers`.
  asio::awaitable<std::tuple<std::error_code, std::size_t>> read_some(asio::mutable_buffer buffer,
                                                                     clock::time_point deadline) {
    auto guard = arm_read(deadline);
    auto [ec, n] = co_await async_read_some(buffer);
    co_return std::tuple(guard.result(ec), n);
  }

  template <class ConstBufferSequence>
  asio::awaitable<std::error_code> write(const ConstBufferSequence& buffers, clock::time_point deadline) {
    auto guard = arm_write(deadline);
    auto [ec, n] = co_await async_write(buffers);
    (void)n;
    co_return guard.result(ec);
  }

  // Ends the connection; pending operations complete with operation_aborted.
  void close() {
    closed_ = true;
    std::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    watchdog_.cancel();
  }

 private:
  clock::time_point& deadline(slot s) { return s == slot::read ? read_deadline_ : write_deadline_; }

  [[nodiscard]] armed arm(clock::time_point at, slot s) {
    deadline(s) = at;
    if (at != clock::time_point::max()) {
      last_timeout_ = at - clock::now();
      if (!watching_) {
        watching_ = true;
        // Should the watchdog end by an exception, the connection's deadlines
        // cannot be kept: it closes rather than hang.
        detail::spawn(socket_.get_executor(), watch(shared_from_this()),
                      [weak = weak_from_this()](std::exception_ptr) {
                        if (const auto self = weak.lock()) self->close();
                      });
      } else if (at < watchdog_wakes_at_) {
        watchdog_.cancel();  // sleeping too long for this one: re-arm sooner
      }
    }
    return armed(*this, s);
  }

  static asio::awaitable<void> watch(std::shared_ptr<connection> self) {
    while (!self->closed_) {
      const auto next = std::min(self->read_deadline_, self->write_deadline_);
      // Idle, and nobody but the watchdog holds the connection: no operation
      // can come any more. Ending here frees it (and closes its socket), also
      // when an owner dropped it without close().
      if (next == clock::time_point::max() && self.use_count() == 1) break;
      const auto now = clock::now();
      if (next <= now) {
        self->timed_out_ = true;
        self->close();
        break;
      }
      // Nothing pending: look again one timeout later rather than waiting for
      // a cancel from the next operation, whose deadline (with the same
      // timeout) lies beyond that.
      self->watchdog_wakes_at_ = next == clock::time_point::max() ? now + self->last_timeout_ : next;
      self->watchdog_.expires_at(self->watchdog_wakes_at_);
      co_await self->watchdog_.async_wait(use_tuple);
    }
    self->watching_ = false;
  }

  tcp::socket socket_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
  asio::steady_timer watchdog_;
  clock::time_point read_deadline_ = clock::time_point::max();
  clock::time_point write_deadline_ = clock::time_point::max();
  clock::time_point watchdog_wakes_at_ = clock::time_point::max();
  clock::duration last_timeout_ = etcd::conn_read_timeout;
  bool watching_ = false;
  bool timed_out_ = false;
  bool closed_ = false;
};

}  // namespace rafthttp::http
