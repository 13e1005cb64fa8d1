// How the transport's asynchronous operations meet Asio's completion-token
// model (transport.hpp: async_send, async_send_snapshot, async_stop).
//
// An initiating function (asio::async_initiate) hands us a handler. Asio's
// rules for it: it is called once, never from inside the initiating function,
// on its associated executor, whose work is tracked until then. And its
// associated cancellation slot, when connected, may ask the operation to end
// early: `cancellation` is what that request reaches, and `operation` keeps
// the handler, the work and the slot together.
#pragma once

// Standard headers before Asio's: Asio's config must see libstdc++'s macros
// first, in every translation unit (tests/lint/asio_config.sh).
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/error.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>

namespace rafthttp::detail {

// A request to end one operation early. The operation, while it can be ended,
// installs `wake` (wake a waiter, close a connection), then sees `requested`.
// Lives on the executor's thread, as everything of a transport does.
struct cancellation {
  bool requested = false;
  std::function<void()> wake;

  void request() {
    requested = true;
    if (wake) wake();
  }
};

// Installs `wake` on a cancellation (if there is one) for a scope.
class wake_on_cancel {
 public:
  wake_on_cancel(const std::shared_ptr<cancellation>& c, std::function<void()> wake) : c_(c) {
    if (c_) c_->wake = std::move(wake);
  }
  wake_on_cancel(const wake_on_cancel&) = delete;
  wake_on_cancel& operator=(const wake_on_cancel&) = delete;
  ~wake_on_cancel() {
    if (c_) c_->wake = nullptr;
  }

 private:
  std::shared_ptr<cancellation> c_;
};

// Calls `handler(ec)` later on its associated executor (or `io`), never inline.
template <class Handler>
void post_completion(Handler handler, const asio::any_io_executor& io, std::error_code ec) {
  const auto ex = asio::get_associated_executor(handler, io);
  asio::post(ex, [h = std::move(handler), ec]() mutable { std::move(h)(ec); });
}

// An operation in flight: its handler, the work it keeps on the handler's
// executor, and its cancellation. Shared between the code that finishes the
// operation and callbacks that may have to (a std::function is copyable,
// a handler need not be).
template <class Handler>
class operation {
 public:
  operation(Handler handler, const asio::any_io_executor& io)
      : handler_(std::move(handler)),
        io_(io),
        work_(asio::prefer(asio::get_associated_executor(*handler_, io_), asio::execution::outstanding_work.tracked)),
        cancel_(std::make_shared<cancellation>()) {
    auto slot = asio::get_associated_cancellation_slot(*handler_);
    if (slot.is_connected()) slot.template emplace<forward_request>(cancel_);
  }
  operation(const operation&) = delete;
  operation& operator=(const operation&) = delete;

  [[nodiscard]] const std::shared_ptr<cancellation>& cancel_state() const { return cancel_; }

  // The first call completes the operation; later ones do nothing.
  void complete(std::error_code ec) {
    if (!handler_) return;
    asio::get_associated_cancellation_slot(*handler_).clear();
    post_completion(std::move(*handler_), io_, ec);
    handler_.reset();
    work_.reset();  // the posted handler holds the work now
  }

 private:
  // Every type of cancellation (terminal, partial, total) ends the operation:
  // what each operation leaves behind is documented where it is initiated.
  struct forward_request {
    std::shared_ptr<cancellation> to;
    void operator()(asio::cancellation_type type) const {
      if (type != asio::cancellation_type::none) to->request();
    }
  };

  // The handler's executor (the transport's if it has none), tracking work.
  using work_executor = std::decay_t<decltype(asio::prefer(
      std::declval<asio::associated_executor_t<Handler, asio::any_io_executor>>(),
      asio::execution::outstanding_work.tracked))>;

  std::optional<Handler> handler_;
  asio::any_io_executor io_;
  std::optional<work_executor> work_;
  std::shared_ptr<cancellation> cancel_;
};

template <class Handler>
[[nodiscard]] std::shared_ptr<operation<Handler>> make_operation(Handler handler, const asio::any_io_executor& io) {
  return std::make_shared<operation<Handler>>(std::move(handler), io);
}

}  // namespace rafthttp::detail
