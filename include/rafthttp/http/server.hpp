// The HTTP/1.1 server under the transport's handlers: an accept loop, one
// coroutine per connection, keep-alive, request head and body limits, a read
// deadline on the whole request head (a silent or trickling client cannot hold
// a connection), chunked response bodies for streams, and a router with Go
// ServeMux-style patterns on which the transport and users mount handlers.
#pragma once

#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/detail/spawn.hpp>
#include <rafthttp/http/chunk.hpp>
#include <rafthttp/http/connection.hpp>
#include <rafthttp/http/fields.hpp>
#include <rafthttp/http/message_reader.hpp>
#include <rafthttp/http/parser.hpp>
#include <rafthttp/http/tls.hpp>

#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace rafthttp::http {

class exchange;
using handler = std::function<asio::awaitable<void>(exchange&)>;

// Patterns as Go's ServeMux: one ending in '/' matches its whole subtree, any
// other only that exact path; the longest matching pattern wins.
class router {
 public:
  void mount(std::string pattern, handler h) { routes_[std::move(pattern)] = std::move(h); }
  void unmount(const std::string& pattern) { routes_.erase(pattern); }

  [[nodiscard]] const handler* find(std::string_view path) const {
    const handler* best = nullptr;
    std::size_t best_length = 0;
    for (const auto& [pattern, h] : routes_) {
      const bool subtree = pattern.ends_with('/');
      const bool match = subtree ? path.starts_with(pattern) : path == pattern;
      if (match && pattern.size() >= best_length) {
        best = &h;
        best_length = pattern.size();
      }
    }
    return best;
  }

 private:
  std::map<std::string, handler, std::less<>> routes_;
};

// One request and its response on a server connection.
class exchange {
 public:
  exchange(connection& conn, message_reader& reader, const request_head& request,
           const server_options& options)
      : conn_(conn), reader_(reader), request_(request), options_(options) {}
  exchange(const exchange&) = delete;

  [[nodiscard]] const request_head& request() const { return request_; }
  [[nodiscard]] std::string remote_address() const { return conn_.remote_address(); }
  [[nodiscard]] connection& conn() { return conn_; }
  [[nodiscard]] const server_options& options() const { return options_; }

  // ------------------------------------------------------------------ body --

  // The next piece of the request body (a view valid until the next call); an
  // empty span without error at its end. Each socket read has the read timeout.
  // A body that could not be read leaves the connection where no next request
  // can start: the response says "Connection: close", as Go's does.
  asio::awaitable<body_piece> read_body_some() {
    if (continue_expected()) co_await send_continue();
    auto piece = co_await reader_.read_body_some(options_.read_timeout);
    if (std::get<0>(piece)) close_after_ = true;
    co_return piece;
  }

  // The whole body into `out`, refusing more than `limit` bytes.
  asio::awaitable<std::error_code> read_body(detail::byte_buffer& out, std::size_t limit) {
    if (continue_expected()) co_await send_continue();
    const auto ec = co_await reader_.read_body(out, limit, options_.read_timeout);
    if (ec) close_after_ = true;
    co_return ec;
  }

  // -------------------------------------------------------------- response --

  // A complete response with Content-Length. The answer to HEAD has the
  // head only, with the Content-Length the body would have (as Go's server).
  asio::awaitable<std::error_code> respond(int status, fields headers, std::string_view body = {}) {
    response_head head{status, std::move(headers), keep_alive()};
    if (status != 204 && status != 304) head.headers.set("Content-Length", std::to_string(body.size()));
    if (!head.keep_alive) head.headers.set("Connection", "close");
    head_text_ = serialize(head);
    responded_ = true;
    if (request_.method == "HEAD") body = {};
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_text_), asio::buffer(body.data(), body.size())};
    const auto ec = co_await write(buffers);
    co_return note_write(ec);
  }

  // net/http's answer to a method a handler does not take: 405 and Allow.
  asio::awaitable<std::error_code> respond_method_not_allowed(std::string_view allowed) {
    fields headers;
    headers.add("Allow", std::string(allowed));
    co_return co_await respond_error(405, "Method Not Allowed", std::move(headers));
  }

  // As Go's http.Error: text/plain, the message plus a newline.
  asio::awaitable<std::error_code> respond_error(int status, std::string_view message, fields headers = {}) {
    headers.set("Content-Type", "text/plain; charset=utf-8");
    headers.set("X-Content-Type-Options", "nosniff");
    co_return co_await respond(status, std::move(headers), std::string(message) + "\n");
  }

  // Starts a chunked body and sends the head at once (streams flush their
  // 200 immediately, doc/protocol.md 3.3).
  asio::awaitable<std::error_code> start_chunked(int status, fields headers) {
    headers.set("Transfer-Encoding", "chunked");
    head_text_ = serialize(response_head{status, std::move(headers), true});
    responded_ = chunked_ = true;
    const auto ec = co_await write(asio::buffer(head_text_));
    co_return note_write(ec);
  }

  // One chunk of a chunked body, less its first `skip` bytes (http::write_chunk);
  // empty data writes nothing (an empty chunk would end the body).
  [[nodiscard]] asio::awaitable<std::error_code> write_chunk(std::span<const std::uint8_t> data,
                                                             std::size_t skip = 0) {
    return http::write_chunk(conn_, data, deadline_after(options_.write_timeout), skip);  // every stream byte
  }

  asio::awaitable<std::error_code> finish_chunked() {
    chunked_ = false;
    const auto ec = co_await write(asio::buffer("0\r\n\r\n", 5));
    co_return note_write(ec);
  }

  // The connection ends after this exchange, without finishing a chunked body
  // (Go aborts a pipeline request whose Process failed this way).
  void abort() { aborted_ = true; }
  void close_after() { close_after_ = true; }

  [[nodiscard]] bool responded() const { return responded_; }
  // The first error a write of the response met (kept whether or not the
  // handler looked at it): the connection then carries no further request.
  [[nodiscard]] std::error_code write_error() const { return write_error_; }
  [[nodiscard]] bool keep_alive() const { return request_.keep_alive && !close_after_ && !aborted_; }

  // After the handler: completes what it left open and tells whether the
  // connection can carry the next request.
  asio::awaitable<bool> finish() {
    if (aborted_ || write_error_) co_return false;
    if (!responded_) {
      close_after_ = true;
      (void)co_await respond_error(500, "Internal Server Error");
    } else if (chunked_) {
      const auto ec = co_await finish_chunked();
      if (ec) co_return false;
    }
    if (!keep_alive() || !conn_.is_open()) co_return false;
    co_return co_await drain_body();
  }

 private:
  // Bytes of a request body left unread that we still read to keep the
  // connection; beyond that, closing is cheaper.
  static constexpr std::size_t drain_budget = 256 * kib;

  // Not a coroutine (one frame fewer): await it at once, `buffers` is referenced.
  template <class Buffers>
  [[nodiscard]] asio::awaitable<std::error_code> write(const Buffers& buffers) {
    return conn_.write(buffers, deadline_after(options_.write_timeout));
  }

  std::error_code note_write(std::error_code ec) {
    if (ec && !write_error_) write_error_ = ec;
    return ec;
  }

  // Go clients never send it; curl does for larger bodies.
  [[nodiscard]] bool continue_expected() const {
    return !continue_sent_ && !responded_ && iequals(request_.headers.get("Expect"), "100-continue");
  }
  asio::awaitable<void> send_continue() {
    continue_sent_ = true;
    (void)co_await write(asio::buffer("HTTP/1.1 100 Continue\r\n\r\n", 25));
  }

  asio::awaitable<bool> drain_body() {
    std::size_t drained = 0;
    while (!reader_.body_done()) {
      const auto [ec, piece] = co_await reader_.read_body_some(options_.read_timeout);
      drained += piece.size();
      if (ec || drained > drain_budget) co_return false;
    }
    reader_.release_parsed();  // what remains is the start of the next request
    co_return true;
  }

  connection& conn_;
  message_reader& reader_;
  const request_head& request_;
  const server_options& options_;
  bool responded_ = false;
  bool chunked_ = false;
  bool aborted_ = false;
  std::error_code write_error_;
  bool close_after_ = false;
  bool continue_sent_ = false;
  std::string head_text_;
};

class server {
 public:
  // What a failed TLS handshake or certificate check reports: the remote
  // address and why (the transport logs each cause once).
  using tls_failure_handler = std::function<void(const std::string& remote, std::error_code)>;
  // What ended a coroutine of the server by an exception (a handler's, or
  // ours): the connection it served is closed and let go, an accept loop
  // starts again; this tells the owner (the transport logs it).
  using exception_handler = std::function<void(std::string_view task, std::exception_ptr)>;
  // Accepting failed for want of a resource (EMFILE, ENFILE, ENOBUFS,
  // ENOMEM): told once per episode, i.e. until an accept succeeds again.
  using accept_failure_handler = std::function<void(std::error_code)>;

  // Go's net/http server: after such a failure, wait 5 ms, doubling up to 1 s.
  static constexpr std::chrono::milliseconds accept_backoff_min{5};
  static constexpr std::chrono::milliseconds accept_backoff_max{1000};

  server(asio::any_io_executor ex, const http::router& routes, server_options options = {},
         std::shared_ptr<tls_contexts> tls = nullptr, tls_failure_handler on_tls_failure = {},
         exception_handler on_exception = {}, accept_failure_handler on_accept_failure = {})
      : executor_(std::move(ex)),
        router_(routes),
        options_(options),
        state_(std::make_shared<shared_state>(std::move(tls), std::move(on_tls_failure), std::move(on_exception),
                                              std::move(on_accept_failure))) {}
  server(const server&) = delete;
  ~server() { stop(); }

  // Binds and starts accepting; with `tls`, connections start with a TLS
  // handshake. Port 0 picks a free port (see local_endpoint).
  [[nodiscard]] std::error_code listen(const tcp::endpoint& endpoint, bool tls = false) {
    if (tls && !state_->tls) return errc::tls_configuration;
    auto acceptor = std::make_shared<tcp::acceptor>(executor_);
    std::error_code ec;
    if (acceptor->open(endpoint.protocol(), ec)) return ec;
    if (acceptor->set_option(tcp::acceptor::reuse_address(true), ec)) return ec;
    if (acceptor->bind(endpoint, ec)) return ec;
    if (acceptor->listen(asio::socket_base::max_listen_connections, ec)) return ec;
    acceptors_.push_back(acceptor);
    start_accepting(acceptor, state_, router_, options_, tls);
    return {};
  }

  [[nodiscard]] tcp::endpoint local_endpoint() const {
    std::error_code ec;
    return acceptors_.empty() ? tcp::endpoint{} : acceptors_.front()->local_endpoint(ec);
  }

  [[nodiscard]] std::size_t connection_count() const { return state_->connections.size(); }

  // Stops accepting and closes every connection; handlers see their I/O fail.
  void stop() {
    state_->stopped = true;
    for (auto& acceptor : acceptors_) {
      std::error_code ignored;
      acceptor->close(ignored);
    }
    for (auto& c : state_->connections) c->close();
    for (auto* timer : state_->backoff_timers) timer->cancel();
  }

 private:
  // What the connection coroutines share with the server; outlives it.
  struct shared_state {
    shared_state(std::shared_ptr<tls_contexts> t, tls_failure_handler f, exception_handler e,
                 accept_failure_handler a)
        : tls(std::move(t)), on_tls_failure(std::move(f)), on_exception(std::move(e)), on_accept_failure(std::move(a)) {}
    void report(std::string_view task, std::exception_ptr thrown) const {
      if (on_exception) on_exception(task, thrown);
    }
    std::list<std::shared_ptr<connection>> connections;
    std::shared_ptr<tls_contexts> tls;
    tls_failure_handler on_tls_failure;
    exception_handler on_exception;
    accept_failure_handler on_accept_failure;
    std::list<asio::steady_timer*> backoff_timers;  // accept loops waiting to retry, for stop()
    bool stopped = false;
  };

  // (Asio's system category maps to no portable condition: compare errnos.)
  [[nodiscard]] static bool out_of_resources(std::error_code ec) {
    if (ec.category() != asio::system_category() && ec.category() != std::system_category()) return false;
    const int e = ec.value();
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
  }

  // Waits before the next accept after `ec` (growing, bounded), so that a
  // process out of descriptors does not spin a core retrying.
  static asio::awaitable<void> back_off(shared_state& state, asio::steady_timer& timer,
                                        std::chrono::milliseconds& delay, std::error_code ec) {
    if (delay.count() == 0 && state.on_accept_failure) state.on_accept_failure(ec);  // once per episode
    delay = delay.count() == 0 ? accept_backoff_min : std::min(delay * 2, accept_backoff_max);
    timer.expires_after(delay);
    const auto listed = state.backoff_timers.insert(state.backoff_timers.end(), &timer);
    co_await timer.async_wait(use_tuple);
    state.backoff_timers.erase(listed);
  }

  static void start_accepting(std::shared_ptr<tcp::acceptor> acceptor, std::shared_ptr<shared_state> state,
                              const http::router& routes, const server_options& options, bool tls) {
    const auto executor = acceptor->get_executor();
    detail::spawn(executor, accept_loop(acceptor, state, routes, options, tls),
                  [acceptor, state, &routes, options, tls](std::exception_ptr e) {
                    state->report("accept loop", e);
                    if (!state->stopped) start_accepting(acceptor, state, routes, options, tls);
                  });
  }

  // Closes a served connection and lets it go when serve() ends, however it ends.
  struct connection_entry {
    connection_entry(std::list<std::shared_ptr<connection>>::iterator at, std::shared_ptr<shared_state> s)
        : self(at), state(std::move(s)) {}
    connection_entry(const connection_entry&) = delete;
    ~connection_entry() {
      (*self)->close();
      state->connections.erase(self);
    }
    std::list<std::shared_ptr<connection>>::iterator self;
    std::shared_ptr<shared_state> state;
  };

  static asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                           std::shared_ptr<shared_state> state, const http::router& routes,
                                           server_options options, bool tls) {
    asio::steady_timer backoff(acceptor->get_executor());
    std::chrono::milliseconds delay{0};
    while (!state->stopped) {
      auto [ec, socket] = co_await acceptor->async_accept(use_tuple);
      if (state->stopped) break;
      if (ec) {
        if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) break;
        if (out_of_resources(ec)) co_await back_off(*state, backoff, delay, ec);
        continue;
      }
      delay = std::chrono::milliseconds{0};  // the episode is over
      if (state->connections.size() >= options.max_connections) continue;  // socket closes here
      std::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      state->connections.push_front(std::make_shared<connection>(std::move(socket)));
      detail::spawn(acceptor->get_executor(), serve(state->connections.begin(), state, routes, options, tls),
                    [state](std::exception_ptr e) { state->report("connection", e); });
    }
  }

  static asio::awaitable<void> serve(std::list<std::shared_ptr<connection>>::iterator self,
                                     std::shared_ptr<shared_state> state, const http::router& routes,
                                     server_options options, bool tls) {
    const std::shared_ptr<connection> conn = *self;
    const connection_entry entry(self, state);
    if (tls) {
      const auto ec = co_await secure(*conn, *state);
      if (ec || state->stopped) {
        if (ec && !state->stopped && state->on_tls_failure) state->on_tls_failure(conn->remote_address(), ec);
        co_return;
      }
    }
    parser request_parser(parser::kind::request, options.max_header_bytes);
    detail::byte_buffer buffer;
    while (conn->is_open() && !state->stopped) {
      message_reader reader(*conn, request_parser, buffer);
      // The whole head, the idle wait of a keep-alive connection included,
      // must arrive within one read timeout.
      const auto ec = co_await reader.read_head(deadline_after(options.read_timeout));
      if (state->stopped) break;
      if (ec) {
        co_await reject_head(*conn, ec, options);
        break;
      }
      exchange ex(*conn, reader, request_parser.request(), options);
      if (const handler* h = routes.find(ex.request().path())) {
        co_await (*h)(ex);
      } else {
        (void)co_await ex.respond_error(404, "404 page not found");
      }
      // (co_await stays out of || and &&: GCC 12 miscompiles it there.)
      const bool reusable = co_await ex.finish();
      if (state->stopped || !reusable) break;
    }
  }

  // The addresses a DNS name resolves to: by the options' resolver when one
  // is set, else the system's, whose getaddrinfo runs on Asio's resolver
  // thread (never on the event loop); a lookup still running at `deadline`
  // is given up.
  static asio::awaitable<std::vector<asio::ip::address>> resolve(const asio::any_io_executor& ex,
                                                                 const tls_options& options,
                                                                 const std::string& name, clock::time_point deadline) {
    if (options.resolve_name) co_return co_await options.resolve_name(name);
    tcp::resolver resolver(ex);
    asio::steady_timer give_up(ex, deadline);
    give_up.async_wait([&resolver](std::error_code ec) {
      if (!ec) resolver.cancel();
    });
    auto [ec, results] = co_await resolver.async_resolve(name, "", use_tuple);
    give_up.cancel();
    std::vector<asio::ip::address> addresses;
    if (!ec)
      for (const auto& entry : results) addresses.push_back(entry.endpoint().address());
    co_return addresses;
  }

  // The server's TLS handshake, then etcd's checks of the client certificate
  // (its DNS SANs looked up within the handshake deadline).
  static asio::awaitable<std::error_code> secure(connection& conn, shared_state& state) {
    auto& tls = *state.tls;
    std::error_code ec;
    auto context = tls.context(tls_role::server, ec);
    if (ec) co_return ec;
    const auto deadline = deadline_after(tls.options().handshake_timeout);
    ec = co_await conn.start_tls(std::move(context), false, {}, deadline);
    if (ec) co_return ec == errc::timeout ? ec : make_error_code(errc::tls_handshake_failed);
    if ((ec = tls.check_peer(conn.tls_session(), tls_role::server))) co_return ec;
    std::error_code endpoint_error;
    const auto remote = conn.socket().remote_endpoint(endpoint_error).address();
    const auto san = tls.client_san(conn.tls_session(), remote);
    if (san.passed) co_return std::error_code{};
    for (const auto& name : san.names_to_resolve) {
      const auto addresses = co_await resolve(conn.get_executor(), tls.options(), name, deadline);
      if (std::ranges::find(addresses, remote) != addresses.end()) co_return std::error_code{};
    }
    co_return make_error_code(errc::tls_rejected);
  }

  // Answers a malformed or oversized head with 400 / 431; a timeout or a
  // closed connection gets nothing.
  static asio::awaitable<void> reject_head(connection& conn, std::error_code ec, const server_options& options) {
    if (ec != errc::header_too_large && ec != errc::parse_error) co_return;
    const std::string_view status = ec == errc::header_too_large ? "431 Request Header Fields Too Large" : "400 Bad Request";
    const std::string response = "HTTP/1.1 " + std::string(status) +
                                 "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
                                 "Content-Length: 0\r\n\r\n";
    (void)co_await conn.write(asio::buffer(response), deadline_after(options.write_timeout));
  }

  asio::any_io_executor executor_;
  const http::router& router_;
  server_options options_;
  std::shared_ptr<shared_state> state_;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors_;
};

}  // namespace rafthttp::http
