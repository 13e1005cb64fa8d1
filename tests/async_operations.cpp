// The transport's asynchronous operations as Asio operations: every kind of
// completion token, per-operation cancellation through cancellation slots.
// (Snapshot transfers: tests/snapshot.cpp, "cancelling async_send_snapshot".)
#include <rafthttp/transport.hpp>

#include "support/coro.hpp"
#include "support/fake_peer.hpp"
#include "support/members.hpp"
#include "support/recording_raft.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/use_future.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <future>
#include <optional>

using namespace rafthttp;
using namespace std::chrono_literals;

namespace {

using test_transport = transport<test::recording_raft, test::memory_snapshotter>;

message msgapp(std::uint64_t index, member_id to = 2) {
  return test::make_message(message_type::MsgApp, 1, to, 3, index);
}

// A transport whose peer 2 is a server that holds every POST: with no stream
// attached, messages take the pipeline, whose 4 workers and 64 queue slots
// fill after 68 messages.
struct held_peer {
  explicit held_peer(asio::io_context& ctx) : server(ctx), t(ctx.get_executor(), raft, snaps, test::member_options()) {
    server.hold = true;
    t.add_peer(2, server.url());
  }
  static constexpr int capacity = 68;

  // Fills the peer's queues (index 1 .. capacity).
  void fill() {
    for (int i = 1; i <= capacity; ++i) REQUIRE_FALSE(t.send(msgapp(static_cast<std::uint64_t>(i))));
    REQUIRE(t.send(msgapp(0)) == errc::queue_full);
  }

  [[nodiscard]] bool received(std::uint64_t index) const {
    return std::any_of(server.received.begin(), server.received.end(),
                       [&](const message& m) { return m.index == index; });
  }

  test::recording_server server;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t;
};

// Runs `ctx` one handler at a time until `done`, within a bound.
template <class Done>
bool run_until(asio::io_context& ctx, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < deadline) ctx.run_one_for(10ms);
  return done();
}

}  // namespace

CORO_TEST_CASE("async_send with use_awaitable: completes when queued, throws what stops it") {
  held_peer p(ctx);
  co_await p.t.async_send(msgapp(1), asio::use_awaitable);
  CO_WAIT_UNTIL(p.received(1));
  bool threw = false;
  try {
    co_await p.t.async_send(msgapp(2, 9), asio::use_awaitable);
  } catch (const std::system_error& e) {
    threw = e.code() == errc::unknown_peer;
  }
  CHECK(threw);
  co_await p.t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("async_send with a callback: queued at once, in order with send(), never completed inline") {
  held_peer p(ctx);
  std::optional<std::error_code> first, unknown;
  p.t.async_send(msgapp(1), [&](std::error_code ec) { first = ec; });
  p.t.send(msgapp(2));
  p.t.async_send(msgapp(3, 9), [&](std::error_code ec) { unknown = ec; });
  CHECK_FALSE(first);  // Asio's rule: not from inside the initiating function
  CHECK_FALSE(unknown);
  CO_WAIT_UNTIL(first && unknown);
  CHECK_FALSE(*first);
  CHECK(*unknown == errc::unknown_peer);
  p.server.release_all();
  CO_WAIT_UNTIL(p.server.received.size() == 2);
  CHECK(p.server.received[0].index == 1);  // the pipeline's workers take them in order
  CHECK(p.server.received[1].index == 2);
  co_await p.t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("async_send with as_tuple and with deferred: nothing happens until a deferred one is started") {
  held_peer p(ctx);
  const auto [ec] = co_await p.t.async_send(msgapp(1), asio::experimental::as_tuple(asio::use_awaitable));
  CHECK_FALSE(ec);
  const auto peer = p.t.find_peer(2);
  const auto before = peer->queued_bytes();
  auto later = p.t.async_send(msgapp(2), asio::experimental::deferred);
  CHECK(peer->queued_bytes() == before);  // not started: nothing queued
  std::optional<std::error_code> outcome;
  std::move(later)([&](std::error_code e) { outcome = e; });
  CHECK(peer->queued_bytes() > before);  // queued as it starts
  CO_WAIT_UNTIL(outcome);
  CHECK_FALSE(*outcome);
  p.server.release_all();
  CO_WAIT_UNTIL(p.received(2));
  co_await p.t.async_stop(asio::use_awaitable);
}

TEST_CASE("async_send with use_future: the future holds the outcome, an error as an exception") {
  asio::io_context ctx(1);
  held_peer p(ctx);
  auto queued = p.t.async_send(msgapp(1), asio::use_future);
  auto unknown = p.t.async_send(msgapp(2, 9), asio::use_future);
  REQUIRE(run_until(ctx, [&] {
    return queued.wait_for(0s) == std::future_status::ready && unknown.wait_for(0s) == std::future_status::ready;
  }));
  CHECK_NOTHROW(queued.get());
  CHECK_THROWS_AS(unknown.get(), std::system_error);
  p.t.stop();
}

CORO_TEST_CASE("cancelling async_send while it waits for room leaves nothing queued") {
  held_peer p(ctx);
  p.fill();
  const auto peer = p.t.find_peer(2);
  const auto held = peer->queued_bytes();
  asio::cancellation_signal cancel;
  std::optional<std::error_code> outcome;
  p.t.async_send(msgapp(100), asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec) { outcome = ec; }));
  co_await test::elapse(ctx, 20ms);
  REQUIRE_FALSE(outcome);  // no room: it waits
  cancel.emit(asio::cancellation_type::terminal);
  CO_WAIT_UNTIL(outcome);
  CHECK(*outcome == asio::error::operation_aborted);
  CHECK(peer->queued_bytes() == held);
  // Room again: what comes next goes, the cancelled message never does.
  p.server.release_all();
  CO_WAIT_UNTIL(p.server.received.size() == held_peer::capacity);
  REQUIRE_FALSE(p.t.send(msgapp(101)));
  CO_WAIT_UNTIL(p.received(101));
  CHECK_FALSE(p.received(100));
  CHECK(p.raft.unreachable[2] == 1);  // fill()'s drop; the cancellation reports nothing
  co_await p.t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("async_send raced against a timer (awaitable ||): the timer wins, the send is withdrawn") {
  using namespace asio::experimental::awaitable_operators;
  held_peer p(ctx);
  p.fill();
  asio::steady_timer timeout(ctx, 30ms);
  const auto winner =
      co_await (p.t.async_send(msgapp(100), asio::use_awaitable) || timeout.async_wait(asio::use_awaitable));
  CHECK(winner.index() == 1);
  p.server.release_all();
  CO_WAIT_UNTIL(p.server.received.size() == held_peer::capacity);
  REQUIRE_FALSE(p.t.send(msgapp(101)));
  CO_WAIT_UNTIL(p.received(101));
  CHECK_FALSE(p.received(100));
  co_await p.t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("a waiting async_send completes with errc::stopped when the transport stops") {
  held_peer p(ctx);
  p.fill();
  std::optional<std::error_code> outcome;
  p.t.async_send(msgapp(100), [&](std::error_code ec) { outcome = ec; });
  co_await test::elapse(ctx, 10ms);
  REQUIRE_FALSE(outcome);
  std::optional<std::error_code> stopped;
  p.t.async_stop([&](std::error_code ec) { stopped = ec; });
  CO_WAIT_UNTIL(outcome && stopped);
  CHECK(*outcome == errc::stopped);
  CHECK_FALSE(*stopped);
  CHECK(p.t.running_tasks() == 0);
}

CORO_TEST_CASE("async_stop with as_tuple and deferred; a second stop completes at once") {
  held_peer p(ctx);
  auto stopping = p.t.async_stop(asio::experimental::deferred);
  CHECK(p.t.running_tasks() > 0);
  std::optional<std::error_code> outcome;
  std::move(stopping)([&](std::error_code ec) { outcome = ec; });
  CO_WAIT_UNTIL(outcome);
  CHECK_FALSE(*outcome);
  CHECK(p.t.running_tasks() == 0);
  const auto [again] = co_await p.t.async_stop(asio::experimental::as_tuple(asio::use_awaitable));
  CHECK_FALSE(again);
}

TEST_CASE("async_send_snapshot and async_stop take every token kind too") {
  asio::io_context ctx(1);
  held_peer p(ctx);
  const auto to_unknown = [] {
    message m = test::make_message(message_type::MsgSnap, 1, 9, 3);
    return snapshot_message(m, std::make_unique<memory_db_source>(std::span<const std::uint8_t>{}), 0);
  };
  auto future = p.t.async_send_snapshot(to_unknown(), asio::use_future);
  bool deferred_done = false;
  auto deferred = p.t.async_send_snapshot(to_unknown(), asio::experimental::deferred);
  std::optional<std::error_code> thrown;
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    try {
      co_await p.t.async_send_snapshot(to_unknown(), asio::use_awaitable);
    } catch (const std::system_error& e) {
      thrown = e.code();
    }
  }, asio::detached);
  REQUIRE(run_until(ctx, [&] { return future.wait_for(0s) == std::future_status::ready && thrown; }));
  CHECK_THROWS_AS(future.get(), std::system_error);
  CHECK(*thrown == errc::unknown_peer);
  CHECK_FALSE(deferred_done);  // not started
  std::move(deferred)([&](std::error_code ec) { deferred_done = ec == errc::unknown_peer; });
  REQUIRE(run_until(ctx, [&] { return deferred_done; }));

  auto stopped = p.t.async_stop(asio::use_future);
  REQUIRE(run_until(ctx, [&] { return stopped.wait_for(0s) == std::future_status::ready; }));
  CHECK_NOTHROW(stopped.get());
  CHECK(p.t.running_tasks() == 0);
}
