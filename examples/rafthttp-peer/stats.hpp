// Small measurement helpers shared by the modes.
#pragma once

#include <chrono>
#include <cstdint>

namespace peer_cli {

using steady_clock = std::chrono::steady_clock;

[[nodiscard]] inline double seconds_between(steady_clock::time_point from, steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// amount / seconds, 0 for an empty interval.
[[nodiscard]] inline double per_second(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0; }

// MB are 10^6 bytes (doc/peer-cli.md 9.1).
[[nodiscard]] inline double megabytes(std::uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

// The process's peak resident set (VmHWM of /proc/self/status), in KiB.
[[nodiscard]] std::int64_t peak_rss_kb();

}  // namespace peer_cli
