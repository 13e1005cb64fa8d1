// The HTTP/1.1 client of streams, pipeline, snapshots and probes: dialling
// with the dial timeout, requests with Content-Length or chunked bodies,
// responses read whole or piece by piece (stream bodies never end), and a
// keep-alive pool for pipeline POSTs.
#pragma once

#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/http/chunk.hpp>
#include <rafthttp/http/connection.hpp>
#include <rafthttp/http/fields.hpp>
#include <rafthttp/http/message_reader.hpp>
#include <rafthttp/http/parser.hpp>
#include <rafthttp/http/tls.hpp>
#include <rafthttp/id.hpp>

#include <asio/buffer.hpp>
#include <asio/ip/address.hpp>

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>

namespace rafthttp::http {

// Verifies the server of an https URL and applies etcd's certificate checks.
inline asio::awaitable<std::error_code> secure_client(connection& conn, const peer_url& url, tls_contexts* tls) {
  if (!tls) co_return errc::tls_configuration;
  std::error_code ec;
  auto context = tls->context(tls_role::client, ec);
  if (ec) co_return ec;
  const auto& name = tls->options().server_name.empty() ? url.host : tls->options().server_name;
  ec = co_await conn.start_tls(std::move(context), true, name, deadline_after(tls->options().handshake_timeout));
  if (ec) co_return ec == errc::timeout ? ec : make_error_code(errc::tls_handshake_failed);
  co_return tls->check_peer(conn.tls_session(), tls_role::client);
}

// Connects `conn` to a peer URL, resolving its host, within `deadline`; https
// URLs then get TLS with `tls`. The caller makes the connection first so that
// it can close it to cancel the dial.
inline asio::awaitable<std::error_code> dial(connection& conn, const peer_url& url, clock::time_point deadline,
                                             tls_contexts* tls = nullptr) {
  if (url.is_unix()) co_return errc::invalid_url;  // unix sockets: not supported
  unsigned short port = 0;
  std::from_chars(url.port.data(), url.port.data() + url.port.size(), port);
  tcp::resolver::results_type endpoints;
  std::error_code parse_error;
  const auto address = asio::ip::make_address(url.host, parse_error);
  if (!parse_error) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, port), url.host, url.port);
  } else {
    tcp::resolver resolver(conn.get_executor());
    auto [resolve_error, results] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
    if (resolve_error) co_return resolve_error;
    endpoints = std::move(results);
  }
  auto ec = co_await conn.connect(endpoints, deadline);
  if (!ec && url.uses_tls()) ec = co_await secure_client(conn, url, tls);
  // A failed dial releases its socket and its watchdog at once: a peer that is
  // down is redialled several times a second, for as long as it is down.
  if (ec) conn.close();
  co_return ec;
}

// The Host header for a URL.
[[nodiscard]] inline std::string host_header(const peer_url& url) {
  return url.host.find(':') != std::string::npos ? "[" + url.host + "]:" + url.port : url.host + ":" + url.port;
}

// One request and its response on a client connection.
class client_exchange {
 public:
  client_exchange(std::shared_ptr<connection> conn, const client_options& options)
      : conn_(std::move(conn)),
        options_(options),
        parser_(parser::kind::response, options.max_header_bytes),
        reader_(*conn_, parser_, buffer_) {}
  client_exchange(const client_exchange&) = delete;

  // ----------------------------------------------------------------- request --

  asio::awaitable<std::error_code> send(const request_head& head, std::span<const std::uint8_t> body) {
    head_text_ = serialize(head);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_text_), asio::buffer(body.data(), body.size())};
    co_return co_await write(buffers);
  }

  // Sends a head announcing a chunked body (the body follows with send_chunk).
  asio::awaitable<std::error_code> send_chunked_head(request_head head) {
    head.headers.set("Transfer-Encoding", "chunked");
    head_text_ = serialize(head);
    co_return co_await write(asio::buffer(head_text_));
  }

  [[nodiscard]] asio::awaitable<std::error_code> send_chunk(std::span<const std::uint8_t> data) {
    return http::write_chunk(*conn_, data, deadline_after(options_.write_timeout));  // every snapshot byte
  }

  asio::awaitable<std::error_code> finish_chunks() { co_return co_await write(asio::buffer("0\r\n\r\n", 5)); }

  // ---------------------------------------------------------------- response --

  // The reads are not coroutines themselves (a frame fewer on every read of
  // a stream): await them at once.
  [[nodiscard]] asio::awaitable<std::error_code> read_head(clock::time_point deadline) {
    return reader_.read_head(deadline);
  }

  [[nodiscard]] const response_head& response() const { return parser_.response(); }

  [[nodiscard]] asio::awaitable<body_piece> read_body_some(duration read_timeout) {
    return reader_.read_body_some(read_timeout);
  }

  [[nodiscard]] asio::awaitable<std::error_code> read_body(detail::byte_buffer& out, std::size_t limit,
                                                           duration read_timeout) {
    return reader_.read_body(out, limit, read_timeout);
  }

  // The connection can carry another request: the response is complete and
  // neither side asked to close.
  [[nodiscard]] bool reusable() const {
    return reader_.body_done() && parser_.response().keep_alive && conn_->is_open() && buffer_.empty();
  }

  [[nodiscard]] const std::shared_ptr<connection>& conn() const { return conn_; }

 private:
  // Not a coroutine (one frame fewer): await it at once, `buffers` is referenced.
  template <class Buffers>
  [[nodiscard]] asio::awaitable<std::error_code> write(const Buffers& buffers) {
    return conn_->write(buffers, deadline_after(options_.write_timeout));
  }

  std::shared_ptr<connection> conn_;
  const client_options& options_;
  parser parser_;
  detail::byte_buffer buffer_;
  message_reader reader_;
  std::string head_text_;
};

// Idle keep-alive connections per peer URL. A connection idle longer than the
// pool's idle timeout is closed rather than reused: a Go peer closes idle
// connections after about 5 s (doc/protocol.md 2.7).
class connection_pool {
 public:
  explicit connection_pool(const client_options& options) : options_(options) {}

  // A pooled connection to `url`, or null.
  [[nodiscard]] std::shared_ptr<connection> take(const std::string& url) {
    auto it = idle_.find(url);
    if (it == idle_.end()) return nullptr;
    const auto fresh_after = clock::now() - options_.pool_idle_timeout;
    while (!it->second.empty()) {
      auto [conn, since] = std::move(it->second.back());
      it->second.pop_back();
      if (since >= fresh_after && conn->is_open()) return conn;
      conn->close();
    }
    return nullptr;
  }

  void put(const std::string& url, std::shared_ptr<connection> conn) {
    auto& list = idle_[url];
    if (list.size() >= options_.max_idle_connections) {
      list.front().first->close();
      list.pop_front();
    }
    list.emplace_back(std::move(conn), clock::now());
  }

  void clear() {
    for (auto& [url, list] : idle_)
      for (auto& [conn, since] : list) conn->close();
    idle_.clear();
  }

 private:
  const client_options& options_;
  std::map<std::string, std::deque<std::pair<std::shared_ptr<connection>, clock::time_point>>, std::less<>> idle_;
};

// The response of a request read whole (pipeline, snapshot, probe).
struct simple_response {
  int status = 0;
  fields headers;
  std::string body;
};

// What round_trip needs beside the request: the executor its connections run
// on, the pool they return to, the client's options, TLS when the URL is https.
// (Constructed, not aggregate-initialised: g++ 12 miscompiles aggregate
// temporaries in a full-expression with co_await, README.)
struct client_context {
  client_context(asio::any_io_executor ex, connection_pool& p, const client_options& o, tls_contexts* t = nullptr)
      : executor(std::move(ex)), pool(p), options(o), tls(t) {}

  asio::any_io_executor executor;
  connection_pool& pool;
  const client_options& options;
  tls_contexts* tls = nullptr;
};

// One request of round_trip.
struct outgoing_request {
  outgoing_request(const peer_url& u, request_head h, std::span<const std::uint8_t> b = {}, std::size_t max_body = 0)
      : url(u), head(std::move(h)), body(b), max_response_body(max_body) {}

  const peer_url& url;
  request_head head;                        // its target; Host and Content-Length are set for it
  std::span<const std::uint8_t> body;  // sent with Content-Length
  std::size_t max_response_body;       // a longer response body is an error
  // The response head must arrive before this (etcd's pipeline has none:
  // raft may take its time).
  clock::time_point head_deadline = clock::time_point::max();
  // When set, holds the connection in use, so that the caller can cancel the
  // request by closing it.
  std::shared_ptr<connection>* in_flight = nullptr;
};

// Sends `request` over a pooled connection and reads the whole response: how
// it ended and the response, as as_tuple gives them. A reused connection the
// peer closed before answering is retried once on a fresh one; raft tolerates
// the duplicate that could, rarely, result.
inline asio::awaitable<std::tuple<std::error_code, simple_response>> round_trip(const client_context& client,
                                                                               outgoing_request request) {
  const peer_url& url = request.url;
  auto& head = request.head;
  if (!request.body.empty() || head.method == "POST")
    head.headers.set("Content-Length", std::to_string(request.body.size()));
  head.headers.set("Host", host_header(url));
  std::error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = attempt == 0 ? client.pool.take(url.text) : nullptr;
    const bool reused = conn != nullptr;
    if (!conn) conn = connection::make(client.executor);
    if (request.in_flight) *request.in_flight = conn;
    if (!reused) {
      ec = co_await dial(*conn, url, deadline_after(client.options.dial_timeout), client.tls);
      if (ec) break;
    }
    client_exchange exchange(conn, client.options);
    ec = co_await exchange.send(head, request.body);
    if (!ec) ec = co_await exchange.read_head(request.head_deadline);
    if (ec) {
      conn->close();
      if (reused && (ec == errc::connection_closed || ec == asio::error::broken_pipe)) continue;
      break;
    }
    simple_response response;
    response.status = exchange.response().status;
    response.headers = exchange.response().headers;
    detail::byte_buffer response_body;
    ec = co_await exchange.read_body(response_body, request.max_response_body, client.options.read_timeout);
    response.body.assign(reinterpret_cast<const char*>(response_body.data()), response_body.size());
    if (!ec && exchange.reusable()) client.pool.put(url.text, conn);
    else conn->close();
    co_return std::tuple(ec, std::move(response));
  }
  co_return std::tuple(ec, simple_response());
}

}  // namespace rafthttp::http
