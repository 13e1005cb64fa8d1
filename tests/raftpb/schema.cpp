// The description of raftpb's fields (schema.hpp) that sizing, encoding and
// decoding all walk, and the checked writer: an encoder given fewer bytes
// than the value needs fails and writes nothing past them.
#include <rafthttp/raftpb/schema.hpp>

#include <rafthttp/raftpb/codec.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

using namespace rafthttp::raftpb;

namespace {

constexpr wire_style all_styles[] = {wire_style::etcd_3_4, wire_style::etcd_3_6, wire_style::etcd_3_7};

// The writer emits fields in the order listed: Go's order is by number.
template <class T>
constexpr bool in_number_order() {
  int last = 0;
  bool ordered = true;
  schema::for_each_field<T>([&](auto d) {
    ordered = ordered && decltype(d)::number > last;
    last = decltype(d)::number;
  });
  return ordered;
}

static_assert(in_number_order<message>() && in_number_order<entry>() && in_number_order<snapshot>() &&
              in_number_order<snapshot_metadata>() && in_number_order<conf_state>() &&
              in_number_order<hard_state>() && in_number_order<conf_change>() &&
              in_number_order<conf_change_single>() && in_number_order<conf_change_v2>());

message busy_message() {
  message m;
  m.type = message_type::MsgApp;
  m.to = 2;
  m.from = 1;
  m.term = 300;
  m.index = ~0ULL;  // a 10-byte varint
  for (std::uint64_t i = 1; i <= 2; ++i) {
    entry e;
    e.term = 300;
    e.index = i;
    e.data = std::string(150, 'x');  // a 2-byte length
    m.entries.push_back(e);
  }
  m.commit = 7;
  m.snapshot.metadata.conf_state.voters = {1, 2, 3};
  m.snapshot.data = "db";
  m.context = "ctx";
  return m;
}

// Encodes `value` into buffers of every length short of its size, each
// followed by guard bytes: every one fails and leaves the guards alone.
template <class T>
void check_short_buffers(const T& value, wire_style style) {
  const std::size_t n = encoded_size(value, style);
  constexpr std::size_t guard = 16;
  std::vector<std::uint8_t> buffer(n + guard);
  for (std::size_t length = 0; length < n; ++length) {
    std::fill(buffer.begin(), buffer.end(), std::uint8_t{0xa5});
    CAPTURE(length);
    CHECK_FALSE(encode(value, std::span(buffer.data(), length), style).has_value());
    CHECK(std::all_of(buffer.begin() + static_cast<std::ptrdiff_t>(length), buffer.end(),
                      [](std::uint8_t b) { return b == 0xa5; }));
  }
  // Exactly enough, and more than enough: the size, the same bytes.
  const auto exact = encode(value, style);
  CHECK(encode(value, std::span(buffer.data(), n), style) == n);
  CHECK(std::equal(exact.begin(), exact.end(), buffer.begin()));
  CHECK(encode(value, std::span(buffer), style) == n);
}

}  // namespace

TEST_CASE("the encoder never writes past its buffer: one byte short is an error, not an overflow") {
  for (const auto style : all_styles) {
    CAPTURE(static_cast<int>(style));
    check_short_buffers(busy_message(), style);
    check_short_buffers(message{}, style);
    check_short_buffers(link_heartbeat(), style);
    check_short_buffers(busy_message().entries.front(), style);
  }
  conf_change_v2 cc;
  cc.changes.resize(3);
  cc.changes[1].node_id = 1000;
  cc.context = "c";
  check_short_buffers(cc, wire_style::etcd_3_4);
}

TEST_CASE("a buffer sized from a wrong size: encode's count tells the caller") {
  const auto m = busy_message();
  const std::size_t n = encoded_size(m);
  std::vector<std::uint8_t> buffer(n + 1, 0xa5);
  // A size one too small: the encoder stops at the end, the guard byte stays.
  CHECK_FALSE(encode(m, std::span(buffer.data(), n - 1)).has_value());
  CHECK(buffer[n - 1] == 0xa5);
  // One too large: it writes n, which is not what the caller reserved.
  CHECK(encode(m, std::span(buffer.data(), n + 1)) != n + 1);
}

TEST_CASE("decoding clears through the description and keeps the entries' capacity") {
  const auto bytes = encode(busy_message());
  message m = busy_message();
  m.entries.resize(4);
  const auto* first = m.entries.data();
  REQUIRE_FALSE(decode(bytes, m));
  CHECK(m == busy_message());
  CHECK(m.entries.data() == first);  // the same elements, reused
  REQUIRE_FALSE(decode(encode(link_heartbeat()), m));
  CHECK(m == link_heartbeat());
}

TEST_CASE("a bare value takes its own path, which sizes and writes what the full path does") {
  message resp;
  resp.type = message_type::MsgAppResp;
  resp.to = 1;
  resp.from = 0x8e9e05c52164694dULL;  // a member ID: a 10-byte varint
  resp.term = 300;
  resp.index = 1ULL << 40;
  resp.reject = true;
  resp.reject_hint = 127;
  message empty_context = resp;
  empty_context.context = "";  // present: written as field 12 of length 0, not bare
  message with_entry = resp;
  with_entry.entries.emplace_back();
  message with_snapshot = resp;
  with_snapshot.snapshot.metadata.term = 1;

  CHECK(schema::is_bare(message{}));
  CHECK(schema::is_bare(resp));
  CHECK(schema::is_bare(link_heartbeat()));
  CHECK_FALSE(schema::is_bare(empty_context));
  CHECK_FALSE(schema::is_bare(with_entry));
  CHECK_FALSE(schema::is_bare(with_snapshot));
  CHECK_FALSE(schema::has_variable_fields<hard_state>);

  const auto same_both_ways = [](const message& m, auto style) {
    constexpr wire_style s = decltype(style)::value;
    const std::size_t n = detail::fields_size<s>(m);
    CHECK(detail::bare_fields_size<s, true>(m) == n);
    CHECK(detail::bare_fields_size<s, false>(m) == detail::fields_size<s, false>(m));
    std::vector<std::uint8_t> bare(n), full(n);
    CHECK(detail::encode_bare<s>(m, std::span(bare)) == n);
    CHECK(detail::encode_full<s>(m, std::span(full)) == n);
    CHECK(bare == full);
    CHECK(detail::encode_bare<s>(m, std::span(bare.data(), n - 1)) == detail::failed_encoding);
  };
  for (const auto style : all_styles) {
    CAPTURE(static_cast<int>(style));
    for (const message& m : {message{}, resp, link_heartbeat()}) with_style(style, [&](auto s) { same_both_ways(m, s); });
  }
}
