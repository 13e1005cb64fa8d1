// Running the io_context a transport lives on, in its low-latency mode.
//
// io_context::run() blocks in the kernel whenever no handler is ready, and
// waking a blocked thread costs tens of microseconds on an idle machine: on a
// window-1 round trip that wake-up is most of the latency. run_polling()
// trades a core for it, as low-latency engines do: after the last handler ran
// it keeps polling for ready work for up to `spin` before it blocks.
#pragma once

// A standard header before Asio's (see detail/notifier.hpp).
#include <chrono>
#include <cstddef>

#include <asio/io_context.hpp>

namespace rafthttp {

// Runs `io` as io.run() does (until it is stopped or out of work) and returns
// the number of handlers run. With a positive `spin` the thread polls for up
// to that long after each handler before blocking; with none it is io.run().
inline std::size_t run_polling(asio::io_context& io, std::chrono::nanoseconds spin) {
  if (spin <= std::chrono::nanoseconds::zero()) return io.run();
  using clock = std::chrono::steady_clock;
  std::size_t handlers = 0;
  auto idle_since = clock::now();
  while (!io.stopped()) {
    if (const std::size_t ran = io.poll(); ran > 0) {
      handlers += ran;
      idle_since = clock::now();
    } else if (clock::now() - idle_since >= spin) {
      handlers += io.run_one();  // blocks until a handler is ready
      idle_since = clock::now();
    }
  }
  return handlers;
}

}  // namespace rafthttp
