// A condition for coroutines on one thread: waiters suspend until notify().
// Built on a timer that never expires by itself; notify() cancels the wait.
#pragma once

// A standard header before Asio's: Asio's config picks its allocation
// functions from libstdc++'s macros, and must pick the same in every
// translation unit (tests/lint/asio_config.sh).
#include <chrono>

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace rafthttp::detail {

class notifier {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit notifier(asio::any_io_executor ex) : timer_(std::move(ex)) {}

  // Suspends until notify(). Any number of coroutines may wait at once.
  asio::awaitable<void> wait() {
    if (waiters_++ == 0) timer_.expires_at(time_point::max());
    co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    --waiters_;
  }

  // Suspends until notify() or `deadline`. For a notifier with one waiter
  // only: a new expiry time cancels the waits of others.
  asio::awaitable<void> wait_until(time_point deadline) {
    ++waiters_;
    timer_.expires_at(deadline);
    co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    --waiters_;
  }

  // Wakes every current waiter (with none it does nothing).
  void notify() {
    if (waiters_ > 0) timer_.cancel();
  }

  [[nodiscard]] bool has_waiters() const { return waiters_ > 0; }

 private:
  asio::steady_timer timer_;
  int waiters_ = 0;
};

}  // namespace rafthttp::detail
