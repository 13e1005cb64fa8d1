// check64: the cheap, position-dependent 64-bit checksum of `--digest cheap`
// (doc/peer-cli.md 7.6). Not a cryptographic hash: it proves that bytes
// arrived whole and in place (any change of a single 8-byte word, and any
// change of the length, always changes it) at a small fraction of SHA-256's
// cost, so that throughput rows measure the transport rather than the digest.
// The Go peers compute the same function (tests/interop/goref/check64.go).
//
//   for word i = 0, 1, ... (8 bytes little-endian, the last one zero-padded):
//       z  = (w XOR (i * 0x9E3779B97F4A7C15)) * 0xBF58476D1CE4E5B9
//       h += z XOR (z >> 29)
//   f = (h XOR length) + 0x9E3779B97F4A7C15, then splitmix64's finalizer:
//   f = (f XOR f >> 30) * 0xBF58476D1CE4E5B9; f = (f XOR f >> 27) * 0x94D049BB133111EB;
//   f = f XOR f >> 31                                  (all arithmetic mod 2^64)
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace peer_cli {

// Incremental: update() may be called with pieces of any size; the value
// depends only on the concatenation.
class check64 {
 public:
  void update(std::span<const std::uint8_t> bytes);
  // The checksum of everything so far; updating can go on afterwards.
  [[nodiscard]] std::uint64_t value() const;
  [[nodiscard]] std::uint64_t length() const { return length_; }

  [[nodiscard]] static std::uint64_t of(std::span<const std::uint8_t> bytes);

 private:
  // One word's term, `position` being its index times position_key.
  static std::uint64_t mix(std::uint64_t word, std::uint64_t position) {
    const std::uint64_t z = (word ^ position) * word_key;
    return z ^ (z >> 29);
  }
  void absorb(std::uint64_t word) {
    sum_ += mix(word, words_ * position_key);
    ++words_;
  }

  static constexpr std::uint64_t position_key = 0x9E3779B97F4A7C15;
  static constexpr std::uint64_t word_key = 0xBF58476D1CE4E5B9;

  std::uint64_t sum_ = 0;
  std::uint64_t words_ = 0;
  std::uint64_t length_ = 0;
  std::array<std::uint8_t, 8> tail_{};  // the bytes of an incomplete word
  std::size_t tail_size_ = 0;
};

// 16 lower-case hex digits.
[[nodiscard]] std::string check64_hex(std::uint64_t value);

}  // namespace peer_cli
