// Go 3.4's own encodings (tests/golden/raftpb.txt): byte-identical encoding,
// equal decoding, and the same verdict on what is malformed.
#include <rafthttp/raftpb/codec.hpp>

#include "support/golden.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

using namespace rafthttp;
using namespace rafthttp::raftpb;
namespace golden = rafthttp::test::golden;
using rafthttp::test::to_hex;

namespace {

template <class T>
void check_round_trip(const std::vector<std::uint8_t>& go_bytes, const T& value) {
  CHECK(encoded_size(value) == go_bytes.size());
  CHECK(to_hex(encode(value)) == to_hex(go_bytes));
  T decoded;
  REQUIRE_FALSE(decode(std::span(go_bytes), decoded));
  CHECK(decoded == value);
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
      conf_change cc;
      cc.id = t.u64();
      cc.type = t.enumeration<conf_change_type>();
      cc.node_id = t.u64();
      cc.context = t.bytes();
      check_round_trip(bytes, cc);
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

// Inputs other versions produce (3.6, main, shuffled, packed, unknown fields...)
// decode to what Go 3.4 decodes. We refuse, on purpose, a few kinds of input no
// etcd emits and Go 3.4 accepts by skipping, dropping or truncating bits; the
// generator's comment line before each vector says which kind it is.
namespace {

bool deliberately_refused(std::string_view comment) {
  static constexpr std::string_view kinds[] = {
      "group",                 // wire types 3/4, deprecated before etcd existed
      "field number 2^",       // beyond protobuf's largest field number 2^29-1
      "10-byte varint",        // bits beyond 64
      "varint 2^",             // enum and bool values wider than 32 bits
      "unknown fields inside",  // these carry groups too
      "all unknown kinds",      // ditto
      "runs past the end",      // a packed element read beyond its field: a Go bug
  };
  return std::ranges::any_of(kinds, [&](auto kind) { return comment.find(kind) != std::string_view::npos; });
}

}  // namespace

TEST_CASE("decodes what Go 3.4 decodes from other encoders") {
  int checked = 0, refused = 0;
  golden::for_each_line("raftpb.txt", [&](const std::string& kind, golden::tokens& t, const std::string& comment) {
    if (kind != "decode") return;
    const auto bytes = t.hex();
    const auto expected = t.message();
    CAPTURE(comment);
    CAPTURE(to_hex(bytes));
    message decoded;
    if (decode(std::span(bytes), decoded)) {
      CHECK(deliberately_refused(comment));
      ++refused;
      return;
    }
    CHECK(decoded == expected);
    ++checked;
  });
  CHECK(checked >= 100);
  MESSAGE(checked << " decoded as Go does; " << refused << " refused on purpose");
}

TEST_CASE("rejects what Go 3.4 rejects") {
  int rejected = 0;
  golden::for_each_line("raftpb.txt", [&](const std::string& kind, golden::tokens& t) {
    if (kind != "reject") return;
    const auto bytes = t.hex();
    CAPTURE(to_hex(bytes));
    message decoded;
    CHECK(decode(std::span(bytes), decoded));
    ++rejected;
  });
  CHECK(rejected >= 40);
}
