// Go 3.4's own encodings (tests/golden/raftpb.txt): byte-identical encoding,
// equal decoding, and the same verdict on what is malformed — for our codec
// and for the nanopb reference.
#include <rafthttp/raftpb/codec.hpp>

#include "raftpb/reference/nanopb_codec.hpp"
#include "support/golden.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

using namespace rafthttp;
using namespace rafthttp::raftpb;
namespace golden = rafthttp::test::golden;
using rafthttp::test::to_hex;

namespace {

// Our codec and the nanopb reference both reproduce Go's bytes and value.
template <class T>
void check_round_trip(const std::vector<std::uint8_t>& go_bytes, const T& value) {
  CHECK(encoded_size(value) == go_bytes.size());
  CHECK(to_hex(encode(value)) == to_hex(go_bytes));
  CHECK(to_hex(raftpb::nanopb::encode(value)) == to_hex(go_bytes));
  T decoded;
  REQUIRE_FALSE(decode(std::span(go_bytes), decoded));
  CHECK(decoded == value);
  T reference;
  REQUIRE_FALSE(raftpb::nanopb::decode(std::span(go_bytes), reference));
  CHECK(reference == value);
}

}  // namespace

TEST_CASE("every golden vector from Go 3.4 encodes byte-identically and decodes equal") {
  std::map<std::string, int> seen;
  golden::for_each_line("raftpb.txt", [&](const std::string& kind, golden::tokens& t) {
    if (kind == "decode" || kind == "reject") return;
    ++seen[kind];
    const auto bytes = t.hex();
    CAPTURE(to_hex(bytes).substr(0, 200));
    if (kind == "message") {
      check_round_trip(bytes, t.message());
    } else if (kind == "entry") {
      check_round_trip(bytes, t.entry());
    } else if (kind == "confstate") {
      check_round_trip(bytes, t.conf_state());
    } else if (kind == "snapshot") {
      check_round_trip(bytes, t.snapshot());
    } else if (kind == "hardstate") {
      check_round_trip(bytes, hard_state{t.u64(), t.u64(), t.u64()});
    } else if (kind == "confchange") {
      check_round_trip(bytes, t.conf_change());
    } else if (kind == "confchangev2") {
      conf_change_v2 cc;
      cc.transition = t.enumeration<conf_change_transition>();
      const auto changes = t.next();
      for (std::size_t at = 0; changes != "." && at < changes.size();) {
        const auto colon = changes.find(':', at);
        const auto comma = std::min(changes.find(',', at), changes.size());
        cc.changes.push_back({static_cast<conf_change_type>(std::stoi(changes.substr(at, colon - at))),
                              std::stoull(changes.substr(colon + 1, comma - colon - 1))});
        at = comma + 1;
      }
      cc.context = t.bytes();
      check_round_trip(bytes, cc);
    } else {
      FAIL("unknown golden line kind " << kind);
    }
  });
  CHECK(seen["message"] >= 1000);
  CHECK(seen.size() == 7);
}

// Inputs other versions produce (3.6, main, shuffled, packed, unknown fields,
// groups, overlong varints, wide enums...) decode to what Go 3.4 decodes. One
// exception on purpose: a packed element that runs past its field (a Go bug).
//
// The nanopb reference is stricter on input no etcd emits: it refuses
// groups, field numbers above 2^29, varints whose 10th byte carries bits
// beyond 64, and enum or bool values wider than 32 bits. The generator's
// comment line before each vector says which kind it is.
namespace {

bool go_bug(std::string_view comment) { return comment.find("runs past the end") != std::string_view::npos; }

bool nanopb_refuses(std::string_view comment) {
  static constexpr std::string_view kinds[] = {"group", "field number 2^", "10-byte varint", "varint 2^",
                                               "unknown fields inside", "all unknown kinds"};
  return go_bug(comment) ||
         std::ranges::any_of(kinds, [&](auto kind) { return comment.find(kind) != std::string_view::npos; });
}

}  // namespace

TEST_CASE("decodes what Go 3.4 decodes from other encoders") {
  int checked = 0, reference_checked = 0;
  golden::for_each_line("raftpb.txt", [&](const std::string& kind, golden::tokens& t, const std::string& comment) {
    if (kind != "decode") return;
    const auto bytes = t.hex();
    const auto expected = t.message();
    CAPTURE(comment);
    CAPTURE(to_hex(bytes));
    message decoded;
    const auto ec = decode(std::span(bytes), decoded);
    if (go_bug(comment)) {
      CHECK(ec);
    } else {
      REQUIRE_FALSE(ec);
      CHECK(decoded == expected);
      ++checked;
    }
    message reference;
    const auto reference_ec = raftpb::nanopb::decode(std::span(bytes), reference);
    if (nanopb_refuses(comment)) return;
    REQUIRE_FALSE(reference_ec);
    CHECK(reference == expected);
    ++reference_checked;
  });
  CHECK(checked >= 130);
  MESSAGE(checked << " decoded as Go does; the nanopb reference " << reference_checked);
}

TEST_CASE("rejects what Go 3.4 rejects") {
  int rejected = 0;
  golden::for_each_line("raftpb.txt", [&](const std::string& kind, golden::tokens& t) {
    if (kind != "reject") return;
    const auto bytes = t.hex();
    CAPTURE(to_hex(bytes));
    message decoded;
    CHECK(decode(std::span(bytes), decoded));
    CHECK(raftpb::nanopb::decode(std::span(bytes), decoded));
    ++rejected;
  });
  CHECK(rejected >= 40);
}
