// How the library starts every coroutine of its own. asio::detached would
// swallow what escapes one (a bug of ours, std::bad_alloc; the user's code is
// caught at the policy boundary, policy.hpp): the coroutine would end in
// silence and leave its work undone — a stream reader that never redials, a
// connection never let go. spawn() hands the exception to the owner instead,
// which logs it and ends or restarts the operation.
#pragma once

// Standard headers before Asio's: Asio's config must see libstdc++'s macros
// first, in every translation unit (tests/lint/asio_config.sh).
#include <exception>
#include <string>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/co_spawn.hpp>

namespace rafthttp::detail {

// `on_exception(std::exception_ptr)` runs on the executor when `task` ended
// by an exception; nothing runs when it returned.
template <class Awaitable, class OnException>
void spawn(const asio::any_io_executor& executor, Awaitable&& task, OnException on_exception) {
  asio::co_spawn(executor, std::forward<Awaitable>(task),
                 [on_exception = std::move(on_exception)](std::exception_ptr thrown) mutable {
                   if (thrown) on_exception(thrown);
                 });
}

// An exception's what(), for the log.
[[nodiscard]] inline std::string exception_text(const std::exception_ptr& thrown) {
  try {
    if (thrown) std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
  return {};
}

}  // namespace rafthttp::detail
