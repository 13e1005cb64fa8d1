#include <rafthttp/codec/message_stream.hpp>

#include "support/hex.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace rafthttp;
using namespace rafthttp::codec;
using rafthttp::test::from_hex;
using rafthttp::test::to_hex;

namespace {

message heartbeat(std::uint64_t to, std::uint64_t from, std::uint64_t term, std::uint64_t commit) {
  message m;
  m.type = message_type::MsgHeartbeat;
  m.to = to;
  m.from = from;
  m.term = term;
  m.commit = commit;
  return m;
}

}  // namespace

// doc/protocol.md 6.1.
TEST_CASE("frames as Go 3.4 does") {
  detail::byte_buffer out;
  CHECK(append_frame(raftpb::link_heartbeat(), out) == 30);
  CHECK(append_frame(heartbeat(2, 1, 5, 10), out) == 30);
  CHECK(frame_size(raftpb::link_heartbeat()) == 38);
  CHECK(to_hex(out.bytes()) ==
        "000000000000001e" "08081000180020002800300040004a0a12080a0228001000180050005800"
        "000000000000001e" "08081002180120052800300040" "0a4a0a12080a0228001000180050005800");
}

TEST_CASE("decodes frames however the bytes are split") {
  std::vector<message> sent;
  detail::byte_buffer out;
  for (std::uint64_t i = 0; i < 20; ++i) {
    auto m = heartbeat(2, 1, i, i * 1000);
    if (i % 3 == 0) m.context = std::string(i * 50, 'c');
    append_frame(m, out);
    sent.push_back(std::move(m));
  }
  const auto bytes = out.bytes();
  for (std::size_t piece : {1, 2, 7, 37, 38, 39, 1000, 100000}) {
    CAPTURE(piece);
    message_stream_decoder decoder;
    std::vector<message> got;
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      REQUIRE_FALSE(decoder.feed(bytes.subspan(at, std::min(piece, bytes.size() - at)),
                                 [&](message& m) { got.push_back(m); }));
    }
    CHECK(decoder.at_boundary());
    CHECK(got == sent);
  }
}

TEST_CASE("a frame above the limit is an error before any allocation") {
  message_stream_decoder decoder(100);
  const auto huge = from_hex("00000000ffffffff");
  CHECK(decoder.feed(huge, [](message&) {}) == codec::errc::frame_too_large);
  message_stream_decoder default_limit;
  const auto over_512mib = from_hex("0000000020000001");
  CHECK(default_limit.feed(over_512mib, [](message&) {}) == codec::errc::frame_too_large);
  message_stream_decoder at_limit;
  const auto exactly_512mib = from_hex("0000000020000000" "0808");
  CHECK_FALSE(at_limit.feed(exactly_512mib, [](message&) {}));  // waits for the rest
}

TEST_CASE("a frame that is not a message is an error") {
  message_stream_decoder decoder;
  const auto bad = from_hex("0000000000000002" "ffff");
  CHECK(decoder.feed(bad, [](message&) {}) == codec::errc::truncated);
}

TEST_CASE("random and mutated streams never crash") {
  detail::byte_buffer out;
  append_frame(heartbeat(2, 1, 5, 10), out);
  append_frame(raftpb::link_heartbeat(), out);
  const std::vector<std::uint8_t> seed(out.bytes().begin(), out.bytes().end());
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    auto input = seed;
    input.resize(rng() % (seed.size() + 16));
    for (auto& b : input)
      if (rng() % 16 == 0) b = static_cast<std::uint8_t>(rng());
    message_stream_decoder decoder(4096);
    std::size_t at = 0;
    while (at < input.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 40, input.size() - at);
      if (decoder.feed(std::span(input).subspan(at, n), [](message&) {})) break;
      at += n;
    }
  }
}

// etcd's received-bytes metric counts Size() of each decoded message: the
// frame length, for every sender that encodes as Go 3.4 does.
TEST_CASE("message_bytes() is the frame length, the protobuf size of the message delivered") {
  detail::byte_buffer out;
  std::vector<message> sent{raftpb::link_heartbeat(), heartbeat(2, 1, 1, 1000)};
  sent[1].context = std::string(300, 'c');
  for (const auto& m : sent) CHECK(append_frame(m, out) == raftpb::encoded_size(m));
  message_stream_decoder decoder;
  std::size_t delivered = 0;
  REQUIRE_FALSE(decoder.feed(out.bytes(), [&](message& m) {
    CHECK(decoder.message_bytes() == raftpb::encoded_size(m));
    ++delivered;
  }));
  CHECK(delivered == sent.size());
}
