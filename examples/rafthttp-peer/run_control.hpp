// How the mode coroutine waits: for a deadline, for something worth looking
// at (a message arrived, an ack, a snapshot report) or for a signal. Everything
// runs on one io_context thread, so plain flags suffice; the waits are built
// on a timer that a notification cancels.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>

namespace peer_cli {

class run_control {
 public:
  using clock = std::chrono::steady_clock;

  explicit run_control(asio::any_io_executor executor) : timer_(std::move(executor)) {}

  // SIGINT/SIGTERM: the mode ends early (and still prints its JSON).
  void interrupt() {
    interrupted_ = true;
    wake();
  }
  [[nodiscard]] bool interrupted() const { return interrupted_; }

  // Something changed: the waiting mode looks again. Remembered if nobody
  // waits, so that a wake between two waits is not lost.
  void wake() {
    woken_ = true;
    if (waiting_) timer_.cancel();
  }

  // Returns at `deadline`, on wake() or on interrupt(), whichever is first.
  asio::awaitable<void> wait_until(clock::time_point deadline) {
    if (woken_ || interrupted_) {
      woken_ = false;
      co_return;
    }
    waiting_ = true;
    timer_.expires_at(deadline);
    std::error_code cancelled;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    waiting_ = false;
    woken_ = false;
  }

  // Sleeps until `deadline` unless interrupted; false if interrupted.
  asio::awaitable<bool> sleep_until(clock::time_point deadline) {
    while (!interrupted_ && clock::now() < deadline) co_await wait_until(deadline);
    co_return !interrupted_;
  }

  asio::awaitable<bool> sleep_for(clock::duration d) {
    const auto deadline = clock::now() + d;
    co_return co_await sleep_until(deadline);
  }

 private:
  asio::steady_timer timer_;
  bool interrupted_ = false;
  bool woken_ = false;
  bool waiting_ = false;
};

}  // namespace peer_cli
