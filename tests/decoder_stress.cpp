// The three network decoders against 100 000+ random, truncated and
// bit-flipped inputs each (issue 2): errors, never a crash (the sanitizer
// build checks memory), and no allocation larger than the input justifies.
// A separate executable: it replaces the global operator new to watch sizes.
#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/codec/msgappv2.hpp>
#include <rafthttp/raftpb/codec.hpp>

#include "support/golden.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <new>
#include <random>

namespace {
std::size_t largest_allocation = 0;
}

void* operator new(std::size_t n) {
  largest_allocation = std::max(largest_allocation, n);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace rafthttp;
namespace golden = rafthttp::test::golden;

namespace {

constexpr int inputs_per_kind = 35'000;  // three kinds: > 100 000 per decoder

// Seeds: real encodings from Go (small ones, so that mutations stay cheap).
std::vector<std::vector<std::uint8_t>> seeds(const std::string& file, const std::string& kind, std::size_t max) {
  std::vector<std::vector<std::uint8_t>> out;
  golden::for_each_line(file, [&](const std::string& k, golden::tokens& t) {
    if (k != kind) return;
    auto bytes = t.hex();
    if (bytes.size() <= max) out.push_back(std::move(bytes));
  });
  return out;
}

// Random bytes, truncated seeds and bit-flipped seeds, in turn.
template <class Check>
void mutate_and_check(const std::vector<std::vector<std::uint8_t>>& seed_inputs, Check check) {
  REQUIRE_FALSE(seed_inputs.empty());
  std::mt19937_64 rng(42);
  for (int i = 0; i < 3 * inputs_per_kind; ++i) {
    std::vector<std::uint8_t> input;
    const auto& seed = seed_inputs[rng() % seed_inputs.size()];
    switch (i % 3) {
      case 0:
        input.resize(rng() % 256);
        for (auto& b : input) b = static_cast<std::uint8_t>(rng());
        break;
      case 1:
        input.assign(seed.begin(), seed.begin() + static_cast<std::ptrdiff_t>(rng() % (seed.size() + 1)));
        break;
      default:
        input = seed;
        for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0 && !input.empty(); --flips)
          input[rng() % input.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    }
    largest_allocation = 0;
    check(std::span<const std::uint8_t>(input), rng);
    // Vectors of entries may take some 64 bytes per 2 input bytes, doubled by growth.
    CHECK_MESSAGE(largest_allocation <= 128 * input.size() + 64 * 1024, "an allocation of " << largest_allocation
                                                                              << " for " << input.size() << " bytes");
  }
}

// Feeds a stream decoder in random pieces until it reports an error or the input ends.
template <class Decoder>
void feed_in_pieces(Decoder& decoder, std::span<const std::uint8_t> input, std::mt19937_64& rng) {
  while (!input.empty()) {
    const auto n = std::min<std::size_t>(1 + rng() % 64, input.size());
    if (decoder.feed(input.first(n), [](message& m) { CHECK(raftpb::encoded_size(m) < (1u << 20)); })) return;
    input = input.subspan(n);
  }
}

}  // namespace

TEST_CASE("protobuf decoder: 100 000+ hostile inputs") {
  int accepted = 0;
  mutate_and_check(seeds("raftpb.txt", "message", 2048), [&](std::span<const std::uint8_t> input, std::mt19937_64&) {
    message m;
    if (!raftpb::decode(input, m)) {
      ++accepted;
      message again;  // whatever decodes re-encodes and decodes to the same value
      REQUIRE_FALSE(raftpb::decode(raftpb::encode(m), again));
      CHECK(again == m);
    }
  });
  MESSAGE(accepted << " inputs decoded");
}

TEST_CASE("message-stream decoder: 100 000+ hostile inputs") {
  std::vector<std::vector<std::uint8_t>> frames;
  for (const auto& body : seeds("raftpb.txt", "message", 2048)) {
    std::vector<std::uint8_t> frame(8);
    detail::store_be64(frame.data(), body.size());
    frame.insert(frame.end(), body.begin(), body.end());
    frames.push_back(std::move(frame));
  }
  mutate_and_check(frames, [](std::span<const std::uint8_t> input, std::mt19937_64& rng) {
    codec::message_stream_decoder decoder(4096);
    feed_in_pieces(decoder, input, rng);
  });
}

TEST_CASE("msgappv2 decoder: 100 000+ hostile inputs") {
  auto streams = seeds("streams.txt", "bytes", 4096);
  mutate_and_check(streams, [](std::span<const std::uint8_t> input, std::mt19937_64& rng) {
    codec::msgappv2_decoder decoder(2, 1, 4096);
    feed_in_pieces(decoder, input, rng);
  });
}
