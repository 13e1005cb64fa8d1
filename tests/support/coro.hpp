// Coroutine test cases on a fresh io_context, one thread (as Boost.Cobalt's
// tests do):
//
//   CORO_TEST_CASE("name") { co_await something(ctx); }
//
// The body is an asio::awaitable<void> with `ctx` in scope. The test fails if
// the coroutine throws or has not finished within its time bound; whatever it
// spawned is destroyed with the context afterwards.
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <optional>

namespace rafthttp::test {

inline void run_coroutine_test(asio::awaitable<void> (*body)(asio::io_context&),
                               std::chrono::steady_clock::duration bound = std::chrono::seconds(20)) {
  asio::io_context ctx(1);
  std::optional<std::exception_ptr> outcome;
  asio::co_spawn(ctx, body(ctx), [&](std::exception_ptr e) {
    outcome = e;
    ctx.stop();
  });
  ctx.run_for(bound);
  REQUIRE_MESSAGE(outcome.has_value(), "the coroutine test did not finish in time");
  if (*outcome) std::rethrow_exception(*outcome);
}

// Waits for `d` on the test's context (for tests that need time to pass, e.g.
// to see a timeout fire; never as a substitute for awaiting an event).
inline asio::awaitable<void> elapse(asio::io_context& ctx, std::chrono::steady_clock::duration d) {
  asio::steady_timer timer(ctx, d);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace rafthttp::test

#define RAFTHTTP_CORO_TEST_CASE_IMPL(fn, name)                              \
  static asio::awaitable<void> fn(asio::io_context& ctx);                   \
  TEST_CASE(name) { rafthttp::test::run_coroutine_test(&fn); }              \
  static asio::awaitable<void> fn([[maybe_unused]] asio::io_context& ctx)

#define CORO_TEST_CASE(name) RAFTHTTP_CORO_TEST_CASE_IMPL(DOCTEST_ANONYMOUS(coro_test_), name)
