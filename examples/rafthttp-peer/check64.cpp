#include "check64.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>

namespace peer_cli {

namespace {

// One load on a little-endian machine (g++ does not fold the byte loop into
// it); the byte loop elsewhere.
std::uint64_t load_little_endian(const std::uint8_t* p) {
  std::uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof v);
  } else {
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  }
  return v;
}

}  // namespace

void check64::update(std::span<const std::uint8_t> bytes) {
  length_ += bytes.size();
  if (tail_size_ > 0) {
    const auto n = std::min(bytes.size(), tail_.size() - tail_size_);
    std::memcpy(tail_.data() + tail_size_, bytes.data(), n);
    tail_size_ += n;
    bytes = bytes.subspan(n);
    if (tail_size_ < tail_.size()) return;
    absorb(load_little_endian(tail_.data()));
    tail_size_ = 0;
  }
  // The whole words, with the running state in locals: through the members
  // each word's update is stored and reloaded (the input bytes may alias
  // them), a third slower. The position term grows by one key per word
  // instead of a multiplication.
  const std::uint8_t* p = bytes.data();
  const std::size_t words = bytes.size() / 8;
  std::uint64_t sum = sum_;
  std::uint64_t position = words_ * position_key;
  for (std::size_t i = 0; i < words; ++i, position += position_key) sum += mix(load_little_endian(p + 8 * i), position);
  sum_ = sum;
  words_ += words;
  tail_size_ = bytes.size() % 8;
  std::memcpy(tail_.data(), p + 8 * words, tail_size_);
}

std::uint64_t check64::value() const {
  check64 last = *this;
  if (last.tail_size_ > 0) {
    std::memset(last.tail_.data() + last.tail_size_, 0, last.tail_.size() - last.tail_size_);
    last.absorb(load_little_endian(last.tail_.data()));
  }
  std::uint64_t f = (last.sum_ ^ length_) + position_key;
  f = (f ^ (f >> 30)) * 0xBF58476D1CE4E5B9;
  f = (f ^ (f >> 27)) * 0x94D049BB133111EB;
  return f ^ (f >> 31);
}

std::uint64_t check64::of(std::span<const std::uint8_t> bytes) {
  check64 c;
  c.update(bytes);
  return c.value();
}

std::string check64_hex(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace peer_cli
