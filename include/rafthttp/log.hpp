// Logging through a user-supplied sink; silent by default. Each event is a
// message with structured fields, as etcd logs with zap.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rafthttp {

enum class log_level { debug, info, warn, error };

[[nodiscard]] inline std::string_view to_string(log_level level) {
  switch (level) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "unknown";
}

struct log_field {
  std::string_view key;
  std::string value;
};

using log_sink = std::function<void(log_level, std::string_view message, std::span<const log_field> fields)>;

namespace detail {

// What components log through: formats nothing unless a sink is set.
class logger {
 public:
  logger() = default;
  explicit logger(log_sink sink, log_level min_level = log_level::debug)
      : sink_(std::move(sink)), min_level_(min_level) {}

  [[nodiscard]] bool enabled(log_level level) const { return sink_ && level >= min_level_; }

  // A sink that throws loses that line, and only that line: logging never
  // fails the operation that logs (sink_exceptions() counts them).
  void operator()(log_level level, std::string_view message, std::initializer_list<log_field> fields = {}) const {
    if (!enabled(level)) return;
    try {
      sink_(level, message, std::span<const log_field>(fields.begin(), fields.size()));
    } catch (...) {
      ++sink_exceptions_;
    }
  }

  [[nodiscard]] std::uint64_t sink_exceptions() const { return sink_exceptions_; }

 private:
  log_sink sink_;
  log_level min_level_ = log_level::debug;
  mutable std::uint64_t sink_exceptions_ = 0;
};

// etcd merges repeated log lines (pkg/logutil's MergeLogger: the first line,
// then one summary per period). Ours, for events that come in floods (drops
// under overload): the first event is logged, then at most one line per
// period, which tells how many events it stands for. Callers consult it only
// when the level is enabled, so that it costs nothing otherwise.
class log_throttle {
 public:
  using clock = std::chrono::steady_clock;

  explicit log_throttle(clock::duration period) : period_(period) {}

  // Counts one event. Returns how many events the line to log now stands for
  // (this one and those held back since the last line), or 0: stay silent.
  [[nodiscard]] std::uint64_t admit(clock::time_point now = clock::now()) {
    ++held_back_;
    if (logged_ && now - last_line_ < period_) return 0;
    logged_ = true;
    last_line_ = now;
    return std::exchange(held_back_, 0);
  }

  // Events counted but not logged yet; taking them resets the count (for a
  // last summary when the peer goes).
  [[nodiscard]] std::uint64_t take_held_back() { return std::exchange(held_back_, 0); }

 private:
  clock::duration period_;
  clock::time_point last_line_{};
  bool logged_ = false;
  std::uint64_t held_back_ = 0;
};

}  // namespace detail
}  // namespace rafthttp
