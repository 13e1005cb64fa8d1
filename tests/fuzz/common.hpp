// Shared pieces of the fuzz targets (tests/fuzz/targets.hpp): failure
// reporting, allocation tracking, the input splitter, the limits the first
// input bytes select, and printing for diagnostics.
//
// Everything here compiles both into libFuzzer binaries (clang, sanitizers)
// and into the doctest replay of the corpus (g++ -Wall -Wextra -Werror).
#pragma once

#include <rafthttp/raftpb/types.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace rafthttp::fuzz {

// ------------------------------------------------------------- failures --
// A violated invariant aborts (libFuzzer then saves the input) or, in the
// doctest replay (RAFTHTTP_FUZZ_THROW defined), throws so that the test case
// reports which file failed and why.
struct invariant_violation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const char* file, int line, const char* condition, const std::string& detail) {
  std::ostringstream out;
  out << file << ":" << line << ": invariant violated: " << condition;
  if (!detail.empty()) out << "\n  " << detail;
#ifdef RAFTHTTP_FUZZ_THROW
  throw invariant_violation(out.str());
#else
  std::fprintf(stderr, "%s\n", out.str().c_str());
  std::fflush(stderr);
  std::abort();
#endif
}

// FUZZ_REQUIRE(condition, detail...): detail is streamed (a << b << c) only
// on failure.
#define FUZZ_REQUIRE(condition, detail)                                      \
  do {                                                                       \
    if (!(condition)) {                                                      \
      std::ostringstream fuzz_detail_;                                       \
      fuzz_detail_ << detail;                                                \
      ::rafthttp::fuzz::fail(__FILE__, __LINE__, #condition, fuzz_detail_.str()); \
    }                                                                        \
  } while (0)

// ---------------------------------------------------------- allocations --
// alloc_hook.hpp (included by exactly one source file of each executable)
// reports every allocation to note_allocation(); the targets record the
// largest one made while the code under test runs (tracked_scope), and not
// the harness's own bookkeeping (untracked_scope, e.g. in callbacks).
namespace alloc {
inline std::atomic<bool> hooked{false};   // set when alloc_hook.hpp is linked in
inline std::atomic<bool> active{false};
inline std::atomic<std::size_t> largest{0};

inline void note_allocation(std::size_t n) {
  if (!active.load(std::memory_order_relaxed)) return;
  std::size_t seen = largest.load(std::memory_order_relaxed);
  while (n > seen && !largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
  }
}
}  // namespace alloc

class tracked_scope {
 public:
  tracked_scope() : previous_(alloc::active.exchange(true)) {}
  ~tracked_scope() { alloc::active.store(previous_); }
  tracked_scope(const tracked_scope&) = delete;
  tracked_scope& operator=(const tracked_scope&) = delete;

 private:
  bool previous_;
};

class untracked_scope {
 public:
  untracked_scope() : previous_(alloc::active.exchange(false)) {}
  ~untracked_scope() { alloc::active.store(previous_); }
  untracked_scope(const untracked_scope&) = delete;
  untracked_scope& operator=(const untracked_scope&) = delete;

 private:
  bool previous_;
};

inline void reset_largest_allocation() { alloc::largest.store(0); }

// No single allocation of the code under test may be far above what the input
// could justify: a length prefix or count must never size memory by itself.
// `factor` covers per-element overhead (an entry is 64 bytes for each 2 input
// bytes it needs; a vector doubles).
inline void require_allocations_within(std::size_t input_size, std::size_t factor, const char* what) {
  const std::size_t largest = alloc::largest.load();
  const std::size_t bound = factor * input_size + 64 * 1024;
  FUZZ_REQUIRE(largest <= bound, what << ": largest allocation " << largest << " bytes for " << input_size
                                      << " input bytes (bound " << bound << ")");
}

// ------------------------------------------------------------- splitting --
// How an incremental decoder receives the input: two bytes of the input pick
// a mode (whole, single bytes, small/medium/large random pieces, with or
// without empty pieces) and seed a small PRNG for the sizes.
class splitter {
 public:
  splitter(std::uint8_t a, std::uint8_t b) : mode_(a & 7), state_((std::uint32_t{a} << 8 | b) * 2654435761u | 1) {}

  // Size of the next piece; may be 0 (an empty read) unless nothing is left.
  std::size_t next(std::size_t remaining) {
    std::size_t n = remaining;
    switch (mode_) {
      case 0: n = remaining; break;                          // all at once
      case 1: n = 1; break;                                  // byte by byte
      case 2: n = 1 + random() % 3; break;
      case 3: n = 1 + random() % 16; break;
      case 4: n = 1 + random() % 128; break;
      case 5: n = 1 + random() % 2048; break;
      case 6: n = random() % 4 == 0 ? 1 : 1 + random() % 64; break;
      default: n = random() % 3 == 0 ? 0 : random() % 32; break;  // with empty pieces
    }
    return n < remaining ? n : remaining;
  }
  [[nodiscard]] bool whole() const { return mode_ == 0; }

 private:
  std::uint32_t random() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  unsigned mode_;
  std::uint32_t state_;
};

// A piece handed to a decoder lives in its own heap block of exactly its size,
// so that AddressSanitizer reports any read beyond it.
class exact_copy {
 public:
  explicit exact_copy(std::span<const std::uint8_t> bytes)
      : data_(bytes.empty() ? nullptr : new std::uint8_t[bytes.size()]), size_(bytes.size()) {
    for (std::size_t i = 0; i < size_; ++i) data_[i] = bytes[i];
  }
  ~exact_copy() { delete[] data_; }
  exact_copy(const exact_copy&) = delete;
  exact_copy& operator=(const exact_copy&) = delete;
  [[nodiscard]] std::span<const std::uint8_t> span() const { return {data_, size_}; }

 private:
  std::uint8_t* data_;
  std::size_t size_;
};

// ---------------------------------------------------------------- limits --
// Frame / record limits a stream target picks with one input byte: tiny ones
// so that the "limit exceeded" paths run, the default, and the extremes a
// user may configure ("no limit").
inline std::size_t stream_limit(std::uint8_t selector) {
  static constexpr std::size_t limits[] = {
      0, 1, 8, 9, 16, 17, 40, 64, 100, 256, 1024, 4096, 65536, 512 * 1024 * 1024,
      std::size_t{1} << 62, std::numeric_limits<std::size_t>::max(),
  };
  return limits[selector % std::size(limits)];
}

inline std::size_t header_limit(std::uint8_t selector) {
  static constexpr std::size_t limits[] = {0, 1, 8, 24, 64, 128, 512, 4096, 65536, std::numeric_limits<std::size_t>::max()};
  return limits[selector % std::size(limits)];
}

inline std::uint64_t load_be64(const std::uint8_t* at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | at[i];
  return v;
}

// ------------------------------------------------------------- printing --
inline std::string hex(std::span<const std::uint8_t> bytes, std::size_t max = 256) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  if (bytes.size() > max) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

inline std::string hex(std::string_view s, std::size_t max = 256) {
  return hex(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()), max);
}

inline std::string describe(const raftpb::bytes& b) { return b.has_value() ? "x" + hex(b.view(), 32) : "-"; }

inline std::string describe(const std::vector<std::uint64_t>& list) {
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) out += (i ? "," : "") + std::to_string(list[i]);
  return out + "]";
}

inline std::string describe(const raftpb::conf_state& cs) {
  return "cs{" + describe(cs.voters) + describe(cs.learners) + describe(cs.voters_outgoing) +
         describe(cs.learners_next) + (cs.auto_leave ? " auto_leave" : "") + "}";
}

inline std::string describe(const raftpb::entry& e) {
  return "e{" + std::to_string(static_cast<std::int32_t>(e.type)) + " " + std::to_string(e.term) + " " +
         std::to_string(e.index) + " " + describe(e.data) + "}";
}

inline std::string describe(const raftpb::snapshot_metadata& md) {
  return "md{" + std::to_string(md.index) + " " + std::to_string(md.term) + " " + describe(md.conf_state) + "}";
}

inline std::string describe(const raftpb::snapshot& s) { return "snap{" + describe(s.data) + " " + describe(s.metadata) + "}"; }

inline std::string describe(const raftpb::message& m) {
  std::string out = "msg{" + std::to_string(static_cast<std::int32_t>(m.type)) + " to=" + std::to_string(m.to) +
                    " from=" + std::to_string(m.from) + " term=" + std::to_string(m.term) +
                    " logterm=" + std::to_string(m.log_term) + " index=" + std::to_string(m.index) +
                    " commit=" + std::to_string(m.commit) + " reject=" + std::to_string(m.reject) +
                    " hint=" + std::to_string(m.reject_hint) + " ctx=" + describe(m.context) + " " +
                    describe(m.snapshot) + " entries=[";
  for (const auto& e : m.entries) out += describe(e);
  return out + "]}";
}

inline std::string describe(const raftpb::hard_state& hs) {
  return "hs{" + std::to_string(hs.term) + " " + std::to_string(hs.vote) + " " + std::to_string(hs.commit) + "}";
}

inline std::string describe(const raftpb::conf_change& cc) {
  return "cc{" + std::to_string(cc.id) + " " + std::to_string(static_cast<std::int32_t>(cc.type)) + " " +
         std::to_string(cc.node_id) + " " + describe(cc.context) + "}";
}

inline std::string describe(const raftpb::conf_change_single& c) {
  return "ccs{" + std::to_string(static_cast<std::int32_t>(c.type)) + " " + std::to_string(c.node_id) + "}";
}

inline std::string describe(const raftpb::conf_change_v2& cc) {
  std::string out = "cc2{" + std::to_string(static_cast<std::int32_t>(cc.transition)) + " [";
  for (const auto& c : cc.changes) out += describe(c);
  return out + "] " + describe(cc.context) + "}";
}

inline std::string describe(const std::error_code& ec) { return ec ? ec.message() : std::string("ok"); }

}  // namespace rafthttp::fuzz
