#include <rafthttp/event_loop.hpp>

#include <doctest/doctest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <sys/epoll.h>

#include <cstddef>
#include <functional>
#include <future>
#include <limits>
#include <thread>

using namespace std::chrono_literals;

namespace {

// What the thread that set `watching` did in epoll_wait, where Asio's
// io_context looks for ready work (Linux): io_context::poll() looks with a
// timeout of 0 and returns; run() and run_one() pass another timeout (-1:
// until something is ready) and sleep in the kernel. Counting these is
// counting what the loop did, whatever share of a core the machine gave it.
struct epoll_watch {
  std::size_t looks = 0;  // calls with timeout 0
  std::size_t waits = 0;  // calls with any other timeout
  // Called when `looks` reaches this (an event the test makes happen).
  std::size_t event_after_looks = std::numeric_limits<std::size_t>::max();
  std::function<void()> event;
};

thread_local epoll_watch* watching = nullptr;

}  // namespace

// The executable's definition takes precedence over libc's for every call in
// the process, Asio's included; it counts, then does what epoll_wait does.
extern "C" int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout) {
  if (auto* w = watching) {
    if (timeout != 0) {
      ++w->waits;
    } else if (++w->looks == w->event_after_looks && w->event) {
      w->event();
    }
  }
  return epoll_pwait(epfd, events, maxevents, timeout, nullptr);
}

namespace {

// Three handlers now and one when a 60 ms timer fires: the loop must block
// (or spin) across the wait and return once out of work.
struct workload {
  explicit workload(asio::io_context& io) : timer(io, 60ms) {
    for (int i = 0; i < 3; ++i) asio::post(io, [this] { ++ran; });
    timer.async_wait([this](std::error_code) { ++ran; });
  }
  asio::steady_timer timer;
  int ran = 0;
};

// One pending wait (a timer that never expires by itself) ended by an event:
// once the loop has looked `looks` times for ready work, or after `fallback`
// (the end of a loop that waits instead). Nothing is ready meanwhile but that
// event. The loop runs on a thread of its own, which the test stops if it is
// still running long after the fallback: a loop that neither looks nor waits
// sees no event at all.
struct idle_run {
  std::size_t looks = 0;
  std::size_t waits = 0;
  std::size_t handlers = 0;
  int ended = 0;  // the pending wait's handler ran
  bool stopped_by_test = false;
};

constexpr std::size_t never = std::numeric_limits<std::size_t>::max();

idle_run run_idle(std::chrono::nanoseconds spin, std::size_t looks, std::chrono::milliseconds fallback) {
  asio::io_context io;
  asio::steady_timer pending(io, asio::steady_timer::time_point::max());
  asio::steady_timer fallback_timer(io, fallback);
  idle_run out;
  pending.async_wait([&](std::error_code) { ++out.ended; });
  fallback_timer.async_wait([&](std::error_code ec) {
    if (!ec) pending.cancel();
  });
  std::promise<void> returned;
  std::thread loop([&] {
    epoll_watch w;
    w.event_after_looks = looks;
    w.event = [&] {  // inside epoll_wait: the handler runs once it returns
      asio::post(io, [&] {
        pending.cancel();
        fallback_timer.cancel();
      });
    };
    watching = &w;
    out.handlers = rafthttp::run_polling(io, spin);
    watching = nullptr;
    out.looks = w.looks;
    out.waits = w.waits;
    returned.set_value();
  });
  if (returned.get_future().wait_for(fallback + 10s) != std::future_status::ready) {
    out.stopped_by_test = true;
    io.stop();
  }
  loop.join();
  return out;
}

}  // namespace

TEST_CASE("run_polling runs every handler, across a timer's wait, and returns when out of work") {
  for (const auto spin : {0ns, std::chrono::nanoseconds(10ms), std::chrono::nanoseconds(5s)}) {
    INFO("spin ", spin.count(), " ns");
    asio::io_context io;
    workload w(io);
    CHECK(rafthttp::run_polling(io, spin) == 4);
    CHECK(w.ran == 4);
  }
}

TEST_CASE("run_polling polls instead of blocking while it waits, and only when asked to") {
  // Spinning for up to an hour: the loop keeps looking for ready work, never
  // waits in the kernel, and runs the event as soon as it comes, which here
  // is after its 1000th look (a loop that does not look would wait for the
  // 10 s fallback, or be stopped by the test).
  const auto spinning = run_idle(1h, 1000, 10s);
  CHECK_FALSE(spinning.stopped_by_test);
  CHECK(spinning.looks >= 1000);
  CHECK(spinning.waits == 0);
  CHECK(spinning.ended == 1);
  CHECK(spinning.handlers == 3);  // the posted event, then both timers' handlers

  // Without a spin it is io.run(): it waits in the kernel until the fallback.
  const auto blocking = run_idle(0ns, 1000, 20ms);
  CHECK(blocking.waits >= 1);
  CHECK(blocking.looks < 1000);
  CHECK(blocking.ended == 1);

  // A 10 ms spin: it looks, then waits in the kernel once the spin is over
  // (no event: the fallback ends the wait after 200 ms).
  const auto spun = run_idle(10ms, never, 200ms);
  CHECK(spun.looks >= 1);
  CHECK(spun.waits >= 1);
  CHECK(spun.ended == 1);
}

TEST_CASE("run_polling returns when the io_context is stopped, work outstanding or not") {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);  // never out of work
  asio::steady_timer stop_timer(io, 20ms);
  stop_timer.async_wait([&io](std::error_code) { io.stop(); });
  CHECK(rafthttp::run_polling(io, 1ms) == 1);
  CHECK(io.stopped());
}
