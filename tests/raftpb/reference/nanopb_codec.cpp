// The nanopb reference codec, and our hand-written codec held to it: on
// random messages both encode alike, and on mutated encodings whatever the
// reference accepts ours accepts with the same value.
#include "raftpb/reference/nanopb_codec.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace rafthttp;
using namespace rafthttp::raftpb;

namespace {

std::string random_bytes(std::mt19937_64& rng, std::size_t max) {
  std::string s(rng() % (max + 1), '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::uint64_t random_u64(std::mt19937_64& rng) {
  const auto bits = rng() % 65;
  return bits == 64 ? rng() : rng() & ((1ULL << bits) - 1);
}

message random_message(std::mt19937_64& rng) {
  message m;
  m.type = static_cast<message_type>(rng() % 19);
  m.to = random_u64(rng);
  m.from = random_u64(rng);
  m.term = random_u64(rng);
  m.log_term = random_u64(rng);
  m.index = random_u64(rng);
  m.commit = random_u64(rng);
  m.reject = rng() % 2;
  m.reject_hint = random_u64(rng);
  for (auto n = rng() % 4; n > 0; --n) {
    entry e;
    e.type = static_cast<entry_type>(rng() % 3);
    e.term = random_u64(rng);
    e.index = random_u64(rng);
    if (rng() % 3) e.data = random_bytes(rng, 40);
    m.entries.push_back(std::move(e));
  }
  if (rng() % 4 == 0) m.context = random_bytes(rng, 16);
  if (rng() % 4 == 0) {
    m.snapshot.data = random_bytes(rng, 16);
    m.snapshot.metadata.index = random_u64(rng);
    for (auto n = rng() % 4; n > 0; --n) m.snapshot.metadata.conf_state.voters.push_back(random_u64(rng));
    m.snapshot.metadata.conf_state.auto_leave = rng() % 2;
  }
  return m;
}

}  // namespace

TEST_CASE("our codec and the nanopb reference agree on random messages and mutations of them") {
  std::mt19937_64 rng(5);
  int agreed_rejections = 0, reference_accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto m = random_message(rng);
    const auto bytes = encode(m);
    REQUIRE(bytes == raftpb::nanopb::encode(m));
    message back;
    REQUIRE_FALSE(raftpb::nanopb::decode(bytes, back));
    CHECK(back == m);

    auto mutated = bytes;
    mutated.resize(rng() % (mutated.size() + 1));
    for (auto& b : mutated)
      if (rng() % 24 == 0) b ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    message ours, reference;
    const auto our_error = decode(mutated, ours);
    const auto reference_error = raftpb::nanopb::decode(mutated, reference);
    if (!reference_error) {
      ++reference_accepted;
      REQUIRE_FALSE(our_error);  // we accept all the (stricter) reference accepts
      CHECK(ours == reference);
    } else if (our_error) {
      ++agreed_rejections;
    }
  }
  MESSAGE(reference_accepted << " mutations accepted by both, " << agreed_rejections << " rejected by both");
}
