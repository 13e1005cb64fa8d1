#include <rafthttp/codec/msgappv2.hpp>

#include "support/hex.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace rafthttp;
using namespace rafthttp::codec;
using rafthttp::raftpb::entry;
using rafthttp::test::from_hex;
using rafthttp::test::to_hex;

namespace {

message app(std::uint64_t term, std::uint64_t log_term, std::uint64_t index, std::uint64_t commit,
            std::vector<entry> entries = {}) {
  message m;
  m.type = message_type::MsgApp;
  m.from = 1;
  m.to = 2;
  m.term = term;
  m.log_term = log_term;
  m.index = index;
  m.commit = commit;
  m.entries = std::move(entries);
  return m;
}

entry e(std::uint64_t term, std::uint64_t index, std::string_view data) {
  return {raftpb::entry_type::EntryNormal, term, index, data};
}

// The example of doc/protocol.md 6.2 (a link heartbeat, then MsgApps from fresh
// state): the record sequence Go 3.4's msgappv2 encoder produced.
const std::vector<message> spec_sequence = {
    raftpb::link_heartbeat(),
    app(5, 5, 10, 10, {e(5, 11, "hello")}),
    app(5, 5, 11, 11, {e(5, 12, "a"), e(5, 13, "b")}),
    app(5, 5, 13, 13),
    app(5, 5, 20, 13),
};
const std::string spec_bytes =
    "00"
    "02" "000000000000002d" "0803100218012005280530" "0a3a0d08001005180b220568656c6c6f400a4a0a12080a0228001000180050005800"
    "01" "0000000000000002" "0000000000000009" "080010051" "80c220161" "0000000000000009" "08001005180d220162"
    "000000000000000b"
    "01" "0000000000000000" "000000000000000d"
    "02" "000000000000001e" "0803100218012005280530144" "00d4a0a12080a0228001000180050005800";

std::vector<message> decode_all(std::span<const std::uint8_t> bytes, std::size_t piece, std::error_code& ec) {
  msgappv2_decoder decoder(2, 1);
  std::vector<message> out;
  for (std::size_t at = 0; at < bytes.size() && !ec; at += piece)
    ec = decoder.feed(bytes.subspan(at, std::min(piece, bytes.size() - at)), [&](message& m) { out.push_back(m); });
  return out;
}

}  // namespace

TEST_CASE("encodes the record sequence Go 3.4 produces") {
  msgappv2_encoder encoder(1, 2);
  detail::byte_buffer out;
  for (const auto& m : spec_sequence) encoder.append(m, out);
  CHECK(to_hex(out.bytes()) == spec_bytes);
}

TEST_CASE("decodes Go's records however the bytes are split") {
  const auto bytes = from_hex(spec_bytes);
  for (std::size_t piece = 1; piece <= bytes.size(); ++piece) {
    CAPTURE(piece);
    std::error_code ec;
    const auto decoded = decode_all(bytes, piece, ec);
    REQUIRE_FALSE(ec);
    CHECK(decoded == spec_sequence);
  }
}

TEST_CASE("AppEntries is only used for a MsgApp the receiver rebuilds exactly") {
  msgappv2_encoder encoder(1, 2);
  detail::byte_buffer out;
  encoder.append(app(5, 5, 10, 10, {e(5, 11, "x")}), out);
  out.clear();
  auto with_context = app(5, 5, 11, 11, {e(5, 12, "y")});
  with_context.context = "ctx";
  encoder.append(with_context, out);
  CHECK(out.bytes()[0] == 0x02);
  out.clear();
  auto other_sender = app(5, 5, 12, 12, {e(5, 13, "z")});
  other_sender.from = 9;
  encoder.append(other_sender, out);
  CHECK(out.bytes()[0] == 0x02);
  out.clear();
  encoder.append(app(6, 5, 13, 13), out);  // log term differs from term
  CHECK(out.bytes()[0] == 0x02);
}

TEST_CASE("bad records are errors, not crashes") {
  auto error_of = [](std::string_view hex, std::size_t limit = 1024) {
    const auto bytes = from_hex(hex);
    msgappv2_decoder decoder(2, 1, limit);
    return decoder.feed(bytes, [](message&) {});
  };
  CHECK(error_of("03") == codec::errc::unknown_record_type);
  CHECK(error_of("ff") == codec::errc::unknown_record_type);
  CHECK(error_of("02" "ffffffffffffffff") == codec::errc::frame_too_large);
  CHECK(error_of("01" "ffffffffffffffff") == codec::errc::too_many_entries);
  CHECK(error_of("01" "0000000000000001" "ffffffffffffffff") == codec::errc::frame_too_large);
  CHECK(error_of("02" "0000000000000002" "0000") == codec::errc::malformed_protobuf);
  CHECK(error_of("01" "0000000000000001" "0000000000000001" "08" "0000000000000000") == codec::errc::truncated);
  // A count the input has not (yet) justified allocates nothing: it only waits.
  CHECK_FALSE(error_of("01" "0000000000000080" "0000000000000000"));
}

// The limit bounds a whole AppEntries record, not each entry alone: entries
// that each fit but together exceed it would otherwise be buffered without
// bound while the record is assembled.
TEST_CASE("an AppEntries record is bounded as a whole, its entries' lengths summed") {
  constexpr std::size_t limit = 1024;
  detail::byte_buffer record;
  *record.grow(1) = 0x01;
  detail::append_be64(record, 3);
  for (int i = 0; i < 3; ++i) {  // three entries of 400 bytes: each below the limit, together above
    detail::append_be64(record, 400);
    std::fill_n(record.grow(400), 400, std::uint8_t{0});
  }
  msgappv2_decoder decoder(2, 1, limit);
  CHECK(decoder.feed(record.bytes(), [](message&) {}) == codec::errc::frame_too_large);
  // Two of them fit (and decode as empty entries).
  detail::byte_buffer fits;
  *fits.grow(1) = 0x01;
  detail::append_be64(fits, 2);
  for (int i = 0; i < 2; ++i) {
    detail::append_be64(fits, 400);
    std::fill_n(fits.grow(400), 400, std::uint8_t{0x50});  // field 10 (reject) = 0, repeated
  }
  detail::append_be64(fits, 0);
  msgappv2_decoder second(2, 1, limit);
  int delivered = 0;
  CHECK_FALSE(second.feed(fits.bytes(), [&](message& m) { delivered += static_cast<int>(m.entries.size()); }));
  CHECK(delivered == 2);
}

TEST_CASE("random and mutated streams never crash") {
  const auto seed = from_hex(spec_bytes);
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    auto input = seed;
    input.resize(rng() % (seed.size() + 16));
    for (auto& b : input)
      if (rng() % 16 == 0) b = static_cast<std::uint8_t>(rng());
    msgappv2_decoder decoder(2, 1, 4096);
    std::size_t at = 0;
    while (at < input.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 40, input.size() - at);
      if (decoder.feed(std::span(input).subspan(at, n), [](message&) {})) break;
      at += n;
    }
  }
}

// etcd's received-bytes metric counts Size() of each decoded message; the
// decoder tells it without walking the message again, and must agree.
TEST_CASE("message_bytes() is the protobuf size of every message delivered, AppEntries included") {
  std::mt19937_64 rng(5);
  std::vector<message> sent = spec_sequence;
  std::uint64_t index = 20, term = 5;
  for (int i = 0; i < 200; ++i) {
    if (rng() % 10 == 0) ++term;  // a full record again
    std::vector<entry> entries;
    for (std::uint64_t k = rng() % 4; k > 0; --k) entries.push_back(e(term, ++index, std::string(rng() % 300, 'x')));
    const std::uint64_t prev = index - entries.size();
    sent.push_back(app(term, term, prev, rng() % (index + 1), std::move(entries)));
    if (rng() % 7 == 0) sent.push_back(raftpb::link_heartbeat());
  }
  // In every release's wire style: the Size() a Go receiver of that release computes.
  for (auto style : {raftpb::wire_style::etcd_3_4, raftpb::wire_style::etcd_3_6, raftpb::wire_style::etcd_3_7}) {
    CAPTURE(static_cast<int>(style));
    msgappv2_encoder encoder(1, 2, style);
    detail::byte_buffer out;
    for (const auto& m : sent) CHECK(encoder.append(m, out) == raftpb::encoded_size(m, style));
    msgappv2_decoder decoder(2, 1, codec_options{}.max_frame_bytes, style);
    std::size_t delivered = 0;
    REQUIRE_FALSE(decoder.feed(out.bytes(), [&](message& m) {
      CHECK(m == sent[delivered]);
      CHECK(decoder.message_bytes() == raftpb::encoded_size(m, style));
      ++delivered;
    }));
    CHECK(delivered == sent.size());
  }
}
