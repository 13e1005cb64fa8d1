// Logging through a user-supplied sink; silent by default. Each event is a
// message with structured fields, as etcd logs with zap.
#pragma once

#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
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

  void operator()(log_level level, std::string_view message, std::initializer_list<log_field> fields = {}) const {
    if (enabled(level)) sink_(level, message, std::span<const log_field>(fields.begin(), fields.size()));
  }

 private:
  log_sink sink_;
  log_level min_level_ = log_level::debug;
};

}  // namespace detail
}  // namespace rafthttp
