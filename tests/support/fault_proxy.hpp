// A TCP proxy the test controls, placed between a client (e.g. a transport
// dialling its peer) and a server (the peer's listener), on the test's
// io_context. Each accepted connection ("link") is forwarded to the upstream
// endpoint in both directions; the test injects faults at runtime:
//
//   fault_proxy p(ctx, upstream);            // p.url() is what the client dials
//   p.set(direction::to_client, fault::stall(), "/raft/stream/message");
//   p.set(direction::to_server, fault::delay(50ms));
//   p.reset_after(direction::to_client, 16 * 1024, "/raft/stream/msgapp");
//   p.corrupt(direction::to_client, 200, 64, "/raft/stream/");
//   p.heal();                                // everything passes again
//
// Faults, per direction (to_server: what the client sends; to_client: what the
// server sends), for the links whose first request line contains a pattern
// (all links when it is empty; the latest matching rule wins; live links
// follow rule changes at once):
//
//   pass       forward as it comes
//   blackhole  read and discard: the sender's writes succeed, nothing arrives
//   stall      read nothing more and hold what was read, without closing (a
//              half-open connection, or a receiver that stopped reading): the
//              sender's buffers fill up; healing forwards what was held
//   delay(d)   forward each piece `d` after it arrived (in order)
//   throttle(r) forward at most r bytes per second
//
// One-shot tampering of the next matching link: reset_after (forward n more
// bytes, then reset both sides with RST) and corrupt (overwrite n bytes after
// skipping some). Without an upstream (fault_proxy(ctx), hold_new_links())
// new links are held: accepted, read and never answered, as by a hung peer.
#pragma once

#include <rafthttp/detail/notifier.hpp>
#include <rafthttp/http/connection.hpp>
#include <rafthttp/id.hpp>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rafthttp::test {

enum class direction { to_server = 0, to_client = 1 };

struct fault {
  enum class kind { pass, blackhole, stall, delay, throttle };

  static fault pass() { return fault(kind::pass); }
  static fault blackhole() { return fault(kind::blackhole); }
  static fault stall() { return fault(kind::stall); }
  static fault delay(std::chrono::milliseconds d) {
    fault f(kind::delay);
    f.latency = d;
    return f;
  }
  static fault throttle(std::size_t bytes_per_second) {
    fault f(kind::throttle);
    f.rate = std::max<std::size_t>(bytes_per_second, 1);
    return f;
  }

  kind what = kind::pass;
  std::chrono::milliseconds latency{0};
  std::size_t rate = 0;

 private:
  explicit fault(kind k) : what(k) {}
};

class fault_proxy {
 public:
  using tcp = asio::ip::tcp;
  using clock = std::chrono::steady_clock;

  // One accepted connection and its upstream connection.
  struct link {
    explicit link(const asio::any_io_executor& ex) : client(ex), server(ex), changed(ex) {}

    tcp::socket client;
    tcp::socket server;
    std::string request_line;  // the first line the client sent (once known)
    bool line_known = false;
    bool open = true;
    bool was_reset = false;
    bool held = false;  // accepted without upstream: never answered
    std::array<std::size_t, 2> forwarded{};  // bytes per direction
    std::array<std::size_t, 2> dropped{};
    detail::notifier changed;  // wakes pumps waiting for a rule change or the end

    [[nodiscard]] std::size_t forwarded_to(direction d) const { return forwarded[static_cast<int>(d)]; }
  };

  // Forwards new links to `upstream`.
  fault_proxy(asio::io_context& ctx, const tcp::endpoint& upstream) : fault_proxy(ctx) { set_upstream(upstream); }

  // Holds new links (accepted, read, never answered) until set_upstream().
  explicit fault_proxy(asio::io_context& ctx) : state_(std::make_shared<state>(ctx.get_executor())) {
    std::error_code ec;
    auto& a = state_->acceptor;
    const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
    a.open(local.protocol(), ec);
    REQUIRE_FALSE(ec);
    a.set_option(tcp::acceptor::reuse_address(true), ec);
    a.bind(local, ec);
    REQUIRE_FALSE(ec);
    a.listen(asio::socket_base::max_listen_connections, ec);
    REQUIRE_FALSE(ec);
    asio::co_spawn(ctx, accept_loop(state_), asio::detached);
  }
  fault_proxy(const fault_proxy&) = delete;
  ~fault_proxy() { stop(); }

  [[nodiscard]] tcp::endpoint endpoint() const {
    std::error_code ec;
    return state_->acceptor.local_endpoint(ec);
  }
  [[nodiscard]] url_list url() const {
    return *url_list::parse("http://127.0.0.1:" + std::to_string(endpoint().port()));
  }

  // Where new links are forwarded from now on.
  void set_upstream(const tcp::endpoint& upstream) {
    state_->upstream = upstream;
    state_->has_upstream = true;
  }
  // New links are held from now on: accepted, read, never answered.
  void hold_new_links() { state_->has_upstream = false; }

  // A fault for `d` on links whose request line contains `match` (all: empty).
  void set(direction d, fault f, std::string match = {}) {
    state_->rules.push_back(rule{d, f, std::move(match)});
    state_->notify_all();
  }

  // Every rule and pending tampering removed: links forward as they come.
  void heal() {
    state_->rules.clear();
    state_->tampers.clear();
    state_->notify_all();
  }

  // The next matching link forwards `bytes` more in direction `d`, then is
  // reset (RST to both sides).
  void reset_after(direction d, std::size_t bytes, std::string match = {}) {
    state_->tampers.push_back(tamper{d, std::move(match), bytes, 0, true});
  }

  // The next matching link gets `count` bytes overwritten with `with` in
  // direction `d`, after `skip` more bytes.
  void corrupt(direction d, std::size_t skip, std::size_t count, std::string match = {}, std::uint8_t with = 0xff) {
    state_->tampers.push_back(tamper{d, std::move(match), skip, count, false, with});
  }
  [[nodiscard]] bool tampering_pending() const {
    return std::ranges::any_of(state_->tampers, [](const tamper& t) { return !t.done; });
  }

  // Resets every open link that matches (all: empty) now.
  void reset_all(std::string_view match = {}) {
    for (auto& l : state_->links)
      if (l->open && matches(*l, match)) reset(*l);
  }

  // Links accepted so far whose request line contains `match` (all: empty).
  [[nodiscard]] std::size_t links(std::string_view match = {}) const {
    return static_cast<std::size_t>(
        std::ranges::count_if(state_->links, [&](const auto& l) { return matches(*l, match); }));
  }
  [[nodiscard]] std::size_t open_links(std::string_view match = {}) const {
    return static_cast<std::size_t>(
        std::ranges::count_if(state_->links, [&](const auto& l) { return l->open && matches(*l, match); }));
  }
  [[nodiscard]] const std::vector<std::shared_ptr<link>>& all_links() const { return state_->links; }

  // The newest link matching `match`, or null.
  [[nodiscard]] std::shared_ptr<link> newest(std::string_view match = {}) const {
    for (auto it = state_->links.rbegin(); it != state_->links.rend(); ++it)
      if (matches(**it, match)) return *it;
    return nullptr;
  }

  void stop() {
    std::error_code ignored;
    state_->acceptor.close(ignored);
    for (auto& l : state_->links) close(*l);
  }

 private:
  struct rule {
    direction d;
    fault f;
    std::string match;
  };

  // A one-shot reset or corruption, bound to the first link it applies to.
  struct tamper {
    direction d;
    std::string match;
    std::size_t skip;   // bytes to let through first
    std::size_t count;  // bytes to overwrite (corruption)
    bool reset;
    std::uint8_t with = 0xff;
    std::weak_ptr<link> bound{};
    bool is_bound = false;
    bool done = false;
  };

  struct state {
    explicit state(const asio::any_io_executor& ex) : executor(ex), acceptor(ex) {}

    void notify_all() {
      for (auto& l : links) l->changed.notify();
    }

    asio::any_io_executor executor;
    tcp::acceptor acceptor;
    tcp::endpoint upstream;
    bool has_upstream = false;
    std::vector<rule> rules;
    std::vector<tamper> tampers;
    std::vector<std::shared_ptr<link>> links;
  };

  static bool matches(const link& l, std::string_view match) {
    return match.empty() || (l.line_known && l.request_line.find(match) != std::string::npos);
  }

  static fault rule_for(const state& s, const link& l, direction d) {
    fault f = fault::pass();
    for (const auto& r : s.rules)
      if (r.d == d && matches(l, r.match)) f = r.f;
    return f;
  }

  static void close(link& l) {
    if (!l.open) return;
    l.open = false;
    std::error_code ignored;
    l.client.shutdown(tcp::socket::shutdown_both, ignored);
    l.client.close(ignored);
    l.server.shutdown(tcp::socket::shutdown_both, ignored);
    l.server.close(ignored);
    l.changed.notify();
  }

  // RST to both sides: a linger of 0 discards what is unsent.
  static void reset(link& l) {
    if (!l.open) return;
    std::error_code ignored;
    for (auto* s : {&l.client, &l.server}) {
      if (!s->is_open()) continue;
      s->set_option(asio::socket_base::linger(true, 0), ignored);
      s->close(ignored);
    }
    l.was_reset = true;
    close(l);
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<state> s) {
    for (;;) {
      auto l = std::make_shared<link>(s->executor);
      auto [ec] = co_await s->acceptor.async_accept(l->client, http::use_tuple);
      if (ec == asio::error::operation_aborted || !s->acceptor.is_open()) break;
      if (ec) continue;
      s->links.push_back(l);
      asio::co_spawn(s->executor, start(s, l), asio::detached);
    }
  }

  static asio::awaitable<void> start(std::shared_ptr<state> s, std::shared_ptr<link> l) {
    if (!s->has_upstream) {
      l->held = true;
      co_await pump(s, l, direction::to_server);
      co_return;
    }
    auto [ec] = co_await l->server.async_connect(s->upstream, http::use_tuple);
    if (ec) {
      reset(*l);
      co_return;
    }
    std::error_code ignored;
    l->server.set_option(tcp::no_delay(true), ignored);
    l->client.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(s->executor, pump(s, l, direction::to_client), asio::detached);
    co_await pump(s, l, direction::to_server);
  }

  // Waits while `d` of this link is stalled; false once the link is closed.
  static asio::awaitable<bool> wait_unstalled(const state& s, link& l, direction d) {
    for (;;) {
      if (!l.open) co_return false;
      if (!l.held && rule_for(s, l, d).what != fault::kind::stall) co_return true;
      co_await l.changed.wait();
    }
  }

  static void sniff(link& l, std::span<const std::uint8_t> data) {
    if (l.line_known) return;
    l.request_line.append(reinterpret_cast<const char*>(data.data()), data.size());
    const auto end = l.request_line.find("\r\n");
    if (end != std::string::npos || l.request_line.size() > 1024) {
      l.request_line.resize(std::min(end, l.request_line.size()));
      l.line_known = true;
    }
  }

  // Applies pending tampering to a piece about to be forwarded; returns how
  // much of it to forward, and sets `reset_now` when the link must be reset
  // after that.
  static std::size_t tamper_with(state& s, const std::shared_ptr<link>& l, direction d,
                                 std::span<std::uint8_t> piece, bool& reset_now) {
    std::size_t forward = piece.size();
    for (auto& t : s.tampers) {
      if (t.done || t.d != d) continue;
      if (t.is_bound) {
        if (t.bound.lock() != l) continue;
      } else {
        if (!matches(*l, t.match)) continue;
        t.bound = l;
        t.is_bound = true;
      }
      const std::size_t at = std::min(t.skip, forward);
      t.skip -= at;
      if (t.skip > 0) continue;
      if (t.reset) {
        forward = at;
        reset_now = true;
        t.done = true;
        continue;
      }
      const std::size_t n = std::min(t.count, forward - at);
      std::fill_n(piece.begin() + static_cast<std::ptrdiff_t>(at), n, t.with);
      t.count -= n;
      t.done = t.count == 0;
    }
    return forward;
  }

  // A tampering bound to a link that ended undone applies to the next one.
  static void unbind(state& s, const std::shared_ptr<link>& l) {
    for (auto& t : s.tampers)
      if (!t.done && t.is_bound && t.bound.lock() == l) {
        t.bound.reset();
        t.is_bound = false;
      }
  }

  static asio::awaitable<void> pump(std::shared_ptr<state> s, std::shared_ptr<link> l, direction d) {
    auto& from = d == direction::to_server ? l->client : l->server;
    auto& to = d == direction::to_server ? l->server : l->client;
    const auto index = static_cast<int>(d);
    std::vector<std::uint8_t> data(64 * 1024);
    asio::steady_timer timer(s->executor);
    auto throttle_next = clock::now();
    for (;;) {
      // Stalled before reading: nothing more is taken from the sender.
      if (!l->held && rule_for(*s, *l, d).what == fault::kind::stall) {
        const bool open = co_await wait_unstalled(*s, *l, d);
        if (!open) break;
        continue;
      }
      std::size_t room = data.size();
      const fault before = rule_for(*s, *l, d);
      if (before.what == fault::kind::throttle) room = std::clamp<std::size_t>(before.rate / 20, 1, room);
      auto [ec, n] = co_await from.async_read_some(asio::buffer(data.data(), room), http::use_tuple);
      if (ec || !l->open) break;
      if (d == direction::to_server) sniff(*l, std::span(data.data(), n));
      if (l->held) {
        l->dropped[index] += n;
        continue;
      }
      // Stalled while the read was pending: hold what it brought.
      const bool open = co_await wait_unstalled(*s, *l, d);
      if (!open) break;
      const fault f = rule_for(*s, *l, d);
      if (f.what == fault::kind::blackhole) {
        l->dropped[index] += n;
        continue;
      }
      if (f.what == fault::kind::delay) {
        timer.expires_after(f.latency);
        (void)co_await timer.async_wait(http::use_tuple);
      }
      if (f.what == fault::kind::throttle) {
        timer.expires_at(throttle_next);
        (void)co_await timer.async_wait(http::use_tuple);
        throttle_next = std::max(throttle_next, clock::now()) +
                        std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
                            static_cast<double>(n) / static_cast<double>(f.rate)));
      }
      if (!l->open) break;
      bool reset_now = false;
      const std::size_t forward = tamper_with(*s, l, d, std::span(data.data(), n), reset_now);
      auto [write_error, written] = co_await asio::async_write(to, asio::buffer(data.data(), forward), http::use_tuple);
      l->forwarded[index] += written;
      if (reset_now) {
        reset(*l);
        break;
      }
      if (write_error) break;
    }
    unbind(*s, l);
    close(*l);
  }

  std::shared_ptr<state> state_;
};

}  // namespace rafthttp::test
