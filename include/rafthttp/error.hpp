// Errors of rafthttp-cpp as std::error_code, in the manner of Asio and Beast:
// one scoped enum per domain, each registered with a category of its own —
//
//   rafthttp::codec::errc   decoding what arrived (protobuf, stream framing)
//   rafthttp::http::errc    the HTTP layer (parsing, limits, deadlines, TLS)
//   rafthttp::errc          the transport (this header)
//
// — so that callers compare `ec == rafthttp::errc::queue_full` and log
// `ec.message()`. Each maps to a portable condition where one exists, so that
// `ec == std::errc::timed_out`, `std::errc::bad_message`, `std::errc::message_size`
// and `std::errc::operation_canceled` (a stopped transport, like a cancelled
// Asio operation) hold across the three.
#pragma once

#include <rafthttp/codec/error.hpp>
#include <rafthttp/http/error.hpp>

#include <string>
#include <system_error>

namespace rafthttp {

enum class errc {
  // --- the peer's answers (doc/protocol.md 2.6, 8) ---
  member_removed = 1,      // 403 on a POST / 410 on a stream dial: this member was removed

  // --- local state ---
  stopped,                 // the transport, peer or component was stopped
  unknown_peer,            // no peer (or remote) with that id
  queue_full,              // a send buffer is full; the message was dropped
  paused,                  // the peer is paused; the message was dropped
  snapshot_source_failed,  // the DB body source failed or had the wrong size
  policy_threw,            // a policy or hook of the user's threw an exception (logged with its what())
  internal_error,          // an exception (a bug of ours, std::bad_alloc) ended the operation (logged)
};

class error_category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "rafthttp"; }

  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::member_removed: return "the member has been permanently removed from the cluster";
      case errc::stopped: return "stopped";
      case errc::unknown_peer: return "member not found";
      case errc::queue_full: return "sending buffer is full";
      case errc::paused: return "peer is paused";
      case errc::snapshot_source_failed: return "snapshot body source failed";
      case errc::policy_threw: return "the policy threw an exception";
      case errc::internal_error: return "internal error (an exception ended the operation)";
    }
    return "rafthttp error " + std::to_string(value);
  }

  [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value)) {
      case errc::stopped: return std::errc::operation_canceled;
      case errc::queue_full: return std::errc::no_buffer_space;
      default: return {value, *this};
    }
  }
};

[[nodiscard]] inline const std::error_category& rafthttp_category() noexcept {
  static const error_category category;
  return category;
}

[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), rafthttp_category()};
}

}  // namespace rafthttp

template <>
struct std::is_error_code_enum<rafthttp::errc> : std::true_type {};
