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

// Feeds a stream decoder until it reports an error or the input ends, in
// random pieces of up to 64 bytes, or for a quarter of the inputs one byte
// at a time: then the bytes of the record that brought each message are
// known, from the end of the one before to the byte that completed it.
// `check(message, record_bytes)` sees each message (record_bytes 0: unknown).
template <class Decoder, class Check>
void feed_in_pieces(Decoder& decoder, std::span<const std::uint8_t> input, std::mt19937_64& rng, Check check) {
  const bool bytewise = rng() % 4 == 0;
  std::size_t fed = 0;
  std::size_t previous_end = 0;
  while (fed < input.size()) {
    const auto n = bytewise ? 1 : std::min<std::size_t>(1 + rng() % 64, input.size() - fed);
    const auto error = decoder.feed(input.subspan(fed, n), [&](message& m) {
      check(m, bytewise ? fed + n - previous_end : 0);
      previous_end = fed + n;
    });
    if (error) return;
    fed += n;
  }
}

// The decoders' limit on a frame or record, drawn for each input between 1
// byte and twice the input's size: the seeds' frames and records fall on both
// sides of it, so that what it lets through can be checked against it.
std::size_t limit_for(std::span<const std::uint8_t> input, std::mt19937_64& rng) {
  return 1 + rng() % (2 * input.size() + 1);
}

// A message's payload bytes (entries' data, context, snapshot data): each
// of them came from the frame or record that carried the message.
std::size_t payload_bytes(const message& m) {
  std::size_t n = m.context.size() + m.snapshot.data.size();
  for (const auto& e : m.entries) n += e.data.size();
  return n;
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
    const auto limit = limit_for(input, rng);
    codec::message_stream_decoder decoder(limit);
    feed_in_pieces(decoder, input, rng, [&](const message& m, std::size_t) {
      CHECK(decoder.message_bytes() <= limit);  // the frame's length
      CHECK(payload_bytes(m) <= limit);
    });
  });
}

TEST_CASE("msgappv2 decoder: 100 000+ hostile inputs") {
  auto streams = seeds("streams.txt", "bytes", 4096);
  mutate_and_check(streams, [](std::span<const std::uint8_t> input, std::mt19937_64& rng) {
    const auto limit = limit_for(input, rng);
    codec::msgappv2_decoder decoder(2, 1, limit);
    feed_in_pieces(decoder, input, rng, [&](const message& m, std::size_t record_bytes) {
      // The limit bounds a full-message record's protobuf, and an AppEntries
      // record's entries with their 8-byte lengths; outside it are at most
      // a type byte, a length or count, and an AppEntries record's commit.
      CHECK(record_bytes <= limit + 1 + 8 + 8);
      CHECK(payload_bytes(m) <= limit);
      CHECK(m.entries.size() <= limit / 2);  // 2 bytes each at least in a protobuf, 8 in AppEntries
    });
  });
}
