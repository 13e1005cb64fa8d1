// Running a blocking call (a file operation) on a thread of its own, off the
// event loop: a slow disk then delays the transfer that waits for it, not
// every peer's heartbeats.
#pragma once

#include <type_traits>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>

namespace rafthttp::detail {

// Runs `work` on `thread`; the caller resumes on its own executor with what
// `work` returned.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> on_thread(asio::thread_pool& thread, F work) {
  using result = std::invoke_result_t<F&>;
  co_return co_await asio::co_spawn(thread, [&work]() -> asio::awaitable<result> { co_return work(); },
                                    asio::use_awaitable);
}

}  // namespace rafthttp::detail
