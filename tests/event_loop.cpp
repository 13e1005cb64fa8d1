#include <rafthttp/event_loop.hpp>

#include <doctest/doctest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <ctime>

using namespace std::chrono_literals;

namespace {

// CPU time of the calling thread.
std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

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

// Runs the workload; returns the thread's CPU time over the run's wall time.
double busy_fraction(std::chrono::nanoseconds spin, std::size_t& handlers, int& ran) {
  asio::io_context io;
  workload w(io);
  const auto cpu_before = thread_cpu_time();
  const auto wall_before = std::chrono::steady_clock::now();
  handlers = rafthttp::run_polling(io, spin);
  const auto wall = std::chrono::steady_clock::now() - wall_before;
  ran = w.ran;
  return std::chrono::duration<double>(thread_cpu_time() - cpu_before) / std::chrono::duration<double>(wall);
}

}  // namespace

TEST_CASE("run_polling runs every handler, across a timer's wait, and returns when out of work") {
  for (const auto spin : {0ns, std::chrono::nanoseconds(10ms), std::chrono::nanoseconds(5s)}) {
    INFO("spin ", spin.count(), " ns");
    std::size_t handlers = 0;
    int ran = 0;
    (void)busy_fraction(spin, handlers, ran);
    CHECK(ran == 4);
    CHECK(handlers == 4);
  }
}

TEST_CASE("run_polling spins instead of blocking while it waits, and only when asked to") {
  std::size_t handlers = 0;
  int ran = 0;
  // io.run() sleeps through the 60 ms wait; spinning for up to 5 s polls
  // through it (a loaded machine may take part of the core away: a quarter
  // is far above what a blocked thread uses).
  CHECK(busy_fraction(0ns, handlers, ran) < 0.1);
  CHECK(busy_fraction(5s, handlers, ran) > 0.25);
}

TEST_CASE("run_polling returns when the io_context is stopped, work outstanding or not") {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);  // never out of work
  asio::steady_timer stop_timer(io, 20ms);
  stop_timer.async_wait([&io](std::error_code) { io.stop(); });
  CHECK(rafthttp::run_polling(io, 1ms) == 1);
  CHECK(io.stopped());
}
