// Coroutine test cases on a fresh io_context, one thread (as Boost.Cobalt's
// tests do):
//
//   CORO_TEST_CASE("name") {
//     t.send(m);
//     CO_WAIT_UNTIL(raft.processed.size() == 1);   // checked after every handler
//   }
//
// The body is an asio::awaitable<void> with `ctx` in scope. The runner drives
// the context one handler at a time; a condition the test waits for is checked
// after each handler, and the test resumes as soon as it holds: no sleeps, no
// polling intervals. Every wait has a bound, and so has the whole test, so a
// bug fails the test instead of hanging it.
#pragma once

#include <rafthttp/detail/notifier.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <tuple>

namespace rafthttp::test {

using clock = std::chrono::steady_clock;

// The completion token with which tests await an operation's error instead
// of having it thrown: std::get<0>(co_await t.async_send(m, test::use_tuple)).
inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// What the test coroutine is waiting for, checked by the runner.
struct wait_state {
  explicit wait_state(asio::io_context& io) : wake(io.get_executor()) {}
  std::function<bool()> condition;
  clock::time_point deadline;
  bool satisfied = false;
  detail::notifier wake;
};

inline wait_state*& current_wait() {
  thread_local wait_state* state = nullptr;
  return state;
}

inline void run_coroutine_test(asio::awaitable<void> (*body)(asio::io_context&),
                               clock::duration bound = std::chrono::seconds(30)) {
  asio::io_context ctx(1);
  wait_state waiting(ctx);
  current_wait() = &waiting;
  std::optional<std::exception_ptr> outcome;
  asio::co_spawn(ctx, body(ctx), [&](std::exception_ptr e) { outcome = e; });
  const auto test_deadline = clock::now() + bound;
  while (!outcome && clock::now() < test_deadline) {
    if (waiting.condition) {
      const bool holds = waiting.condition();
      if (holds || clock::now() >= waiting.deadline) {
        waiting.satisfied = holds;
        waiting.condition = nullptr;
        waiting.wake.notify();
      }
    }
    const auto until = waiting.condition ? std::min(waiting.deadline, test_deadline) : test_deadline;
    ctx.run_one_until(until);
  }
  current_wait() = nullptr;
  REQUIRE_MESSAGE(outcome.has_value(), "the coroutine test did not finish in time");
  if (*outcome) std::rethrow_exception(*outcome);
}

// Resumes once `condition` holds (true) or `bound` passed (false).
inline asio::awaitable<bool> until(std::function<bool()> condition, clock::duration bound = std::chrono::seconds(10)) {
  if (condition()) co_return true;
  auto& state = *current_wait();
  state.condition = std::move(condition);
  state.deadline = clock::now() + bound;
  co_await state.wake.wait();
  co_return state.satisfied;
}

// Waits for `d` on the test's context: for things made of time (timeouts,
// pacing, heartbeats), never in place of waiting for an event.
inline asio::awaitable<void> elapse(asio::io_context& ctx, clock::duration d) {
  asio::steady_timer timer(ctx, d);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace rafthttp::test

#define RAFTHTTP_CORO_TEST_CASE_IMPL(fn, name, bound)                       \
  static asio::awaitable<void> fn(asio::io_context& ctx);                   \
  TEST_CASE(name) { rafthttp::test::run_coroutine_test(&fn, bound); }       \
  static asio::awaitable<void> fn([[maybe_unused]] asio::io_context& ctx)

// A coroutine test, failed if it has not finished after 30 s (a hang).
#define CORO_TEST_CASE(name) \
  RAFTHTTP_CORO_TEST_CASE_IMPL(DOCTEST_ANONYMOUS(coro_test_), name, std::chrono::seconds(30))
// The same for a test whose work takes long on a sanitized, unoptimised build
// (a flood of 100,000 requests: ~1 s optimised, ~25 s with ASan at -O0).
#define CORO_TEST_CASE_WITHIN(name, bound) RAFTHTTP_CORO_TEST_CASE_IMPL(DOCTEST_ANONYMOUS(coro_test_), name, bound)

// Waits (with the default bound) until the expression holds; fails the test if it never does.
#define CO_WAIT_UNTIL(...)                                                                         \
  do {                                                                                             \
    const bool reached_ = co_await ::rafthttp::test::until([&] { return static_cast<bool>(__VA_ARGS__); }); \
    REQUIRE_MESSAGE(reached_, "never held: " #__VA_ARGS__);                                        \
  } while (false)
