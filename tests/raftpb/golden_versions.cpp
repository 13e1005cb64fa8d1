// The golden vectors of etcd 3.5.36 (raft v3.5.36), 3.6.17 (raft v3.6.0) and
// 3.7.4 (raft v3.7.0), each from that release's own Go encoder
// (tests/golden/raftpb-3.{5,6,7}.txt, tests/interop/golden/regen.sh): our
// encoder in that release's wire style is byte-identical to Go's, and our one
// decoder reads what every release writes.
//
// "traffic" lines are messages raft itself built in scripted clusters: they
// prove the 3.7 presence rule (wire_style.hpp) against raft. Where raft's
// bytes depend on more than a message's values, the generator marks the line
// "rule-mismatch"; all such lines are entries that kept the presence they were
// decoded or built with (doc/etcd-versions.md), and for them we check the
// decoding only, and that the mismatch is of that one kind.
//
// On malformed input no release produces, the decoder keeps etcd 3.4.23's
// verdicts (the lines say where a newer Go decides otherwise).
#include <rafthttp/raftpb/codec.hpp>

#include "support/golden.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace rafthttp;
using namespace rafthttp::raftpb;
namespace golden = rafthttp::test::golden;
using rafthttp::test::to_hex;

namespace {

struct release {
  std::string_view file;
  wire_style style;
};

constexpr release releases[] = {
    {"raftpb-3.5.txt", wire_style::etcd_3_4},
    {"raftpb-3.6.txt", wire_style::etcd_3_6},
    {"raftpb-3.7.txt", wire_style::etcd_3_7},
};

template <class T>
void check_decodes_to(const std::vector<std::uint8_t>& bytes, const T& value) {
  T decoded;
  REQUIRE_FALSE(decode(std::span(bytes), decoded));
  CHECK(decoded == value);
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace

TEST_CASE("every release's messages and entries: encoded byte-identically in its style, decoded equal") {
  for (const auto& r : releases) {
    CAPTURE(r.file);
    std::map<std::string, int> seen;
    golden::for_each_line(std::string(r.file), [&](const std::string& kind, golden::tokens& t, const std::string& comment) {
      if (kind != "message" && kind != "traffic" && kind != "entry") return;
      const auto bytes = t.hex();
      CAPTURE(to_hex(bytes).substr(0, 200));
      CAPTURE(comment);
      if (kind == "entry") {
        const auto e = t.entry();
        CHECK(to_hex(encode(e, r.style)) == to_hex(bytes));
        CHECK(encoded_size(e, r.style) == bytes.size());
        check_decodes_to(bytes, e);
        ++seen[kind];
        return;
      }
      const auto m = t.message();
      check_decodes_to(bytes, m);
      if (kind == "traffic" && contains(comment, "rule-mismatch")) {
        // Only entries whose presence raft kept may differ (see above).
        CHECK(contains(comment, "of entry"));
        ++seen["rule-mismatch"];
        return;
      }
      CHECK(encoded_size(m, r.style) == bytes.size());
      CHECK(to_hex(encode(m, r.style)) == to_hex(bytes));
      ++seen[kind];
    });
    CHECK(seen["message"] >= 1800);
    CHECK(seen["traffic"] >= 400);
    CHECK(seen["entry"] >= 100);
    CHECK(seen["rule-mismatch"] <= 12);  // a handful, named in the file's header
    MESSAGE(r.file << ": " << seen["message"] << " messages, " << seen["traffic"] << " of raft's traffic, "
                   << seen["rule-mismatch"] << " traffic lines with presence kept from decoding");
  }
}

TEST_CASE("every release's other values decode equal (they travel inside entries, encoded by raft)") {
  for (const auto& r : releases) {
    CAPTURE(r.file);
    int checked = 0;
    golden::for_each_line(std::string(r.file), [&](const std::string& kind, golden::tokens& t) {
      const auto bytes = [&] { return t.hex(); };
      if (kind == "confstate") {
        const auto b = bytes();
        const auto cs = t.conf_state();
        check_decodes_to(b, cs);
        CHECK(to_hex(encode(cs)) == to_hex(b));  // the same in every release
      } else if (kind == "snapshot") {
        const auto b = bytes();
        const auto s = t.snapshot();
        check_decodes_to(b, s);
        CHECK(to_hex(encode(s)) == to_hex(b));
      } else if (kind == "hardstate") {
        const auto b = bytes();
        check_decodes_to(b, hard_state{t.u64(), t.u64(), t.u64()});
      } else if (kind == "confchange") {
        const auto b = bytes();
        check_decodes_to(b, t.conf_change());
      } else {
        return;
      }
      ++checked;
    });
    CHECK(checked >= 200);
  }
}

TEST_CASE("every release's decode inputs decode as that release decodes them; malformed ones as 3.4.23 judges") {
  for (const auto& r : releases) {
    CAPTURE(r.file);
    int decoded_equal = 0, refused = 0;
    golden::for_each_line(std::string(r.file), [&](const std::string& kind, golden::tokens& t, const std::string& comment) {
      if (kind != "decode") return;
      const auto bytes = t.hex();
      const auto expected = t.message();
      CAPTURE(comment);
      CAPTURE(to_hex(bytes).substr(0, 200));
      message m;
      const auto ec = decode(std::span(bytes), m);
      if (contains(comment, "[Go 3.4.23 rejects this]") || contains(comment, "runs past the end")) {
        CHECK(ec);
        ++refused;
        return;
      }
      REQUIRE_FALSE(ec);
      CHECK(m == expected);
      ++decoded_equal;
    });
    CHECK(decoded_equal >= 120);
    MESSAGE(r.file << ": " << decoded_equal << " decoded as Go does, " << refused << " refused as 3.4.23 refuses");
  }
}

TEST_CASE("every release's reject inputs are refused, unless 3.4.23 accepts them") {
  for (const auto& r : releases) {
    CAPTURE(r.file);
    int refused = 0;
    golden::for_each_line(std::string(r.file), [&](const std::string& kind, golden::tokens& t, const std::string& comment) {
      if (kind != "reject") return;
      const auto bytes = t.hex();
      CAPTURE(comment);
      CAPTURE(to_hex(bytes).substr(0, 200));
      message m;
      const auto ec = decode(std::span(bytes), m);
      if (contains(comment, "[Go 3.4.23 accepts this]")) return;
      CHECK(ec);
      ++refused;
    });
    CHECK(refused >= 200);
  }
}

TEST_CASE("link heartbeats of every release are recognised by their meaning") {
  int seen = 0;
  for (const auto& r : releases) {
    golden::for_each_line(std::string(r.file), [&](const std::string& kind, golden::tokens& t) {
      if (kind != "message" && kind != "decode") return;
      const auto bytes = t.hex();
      const auto expected = t.message();
      if (!is_link_heartbeat(expected)) return;
      message m;
      REQUIRE_FALSE(decode(std::span(bytes), m));
      CHECK(is_link_heartbeat(m));
      ++seen;
    });
  }
  CHECK(seen >= 3);
}
