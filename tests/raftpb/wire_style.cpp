// The raftpb wire style of each etcd release (wire_style.hpp). The golden
// vectors of each release's own Go encoder are checked in golden.cpp; here,
// the rules on their own: what each style writes for the messages whose bytes
// etcd's sources show, sizes equal to what is written, and every style read
// back by the one decoder.
#include <rafthttp/raftpb/wire_style.hpp>

#include "support/hex.hpp"

#include <rafthttp/raftpb/codec.hpp>

#include <doctest/doctest.h>

#include <random>

using namespace rafthttp;
using namespace rafthttp::raftpb;
using rafthttp::test::to_hex;

namespace {

constexpr wire_style all_styles[] = {wire_style::etcd_3_4, wire_style::etcd_3_6, wire_style::etcd_3_7};

std::string encoded_hex(const message& m, wire_style style) {
  const auto bytes = encode(m, style);
  CHECK(bytes.size() == encoded_size(m, style));
  return to_hex(bytes);
}

message make(message_type type, std::uint64_t term) {
  message m;
  m.type = type;
  m.from = 1;
  m.to = 2;
  m.term = term;
  return m;
}

// A message with random fields, of a random type of those that cross the wire.
message random_message(std::mt19937_64& rng) {
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  auto maybe = [&](std::uint64_t v) { return pick(3) == 0 ? 0 : v; };
  message m = make(static_cast<message_type>(pick(19)), maybe(rng() >> pick(64)));
  m.from = maybe(rng());
  m.to = maybe(rng());
  m.log_term = maybe(pick(1000));
  m.index = maybe(rng() >> pick(64));
  m.commit = maybe(pick(1 << 20));
  m.reject = pick(4) == 0;
  m.reject_hint = maybe(pick(100));
  for (auto n = pick(4); n > 0; --n) {
    entry e;
    e.type = static_cast<entry_type>(pick(3));
    e.term = maybe(pick(50));
    e.index = maybe(pick(1 << 30));
    if (pick(3) > 0) e.data = std::string(pick(40), 'd');
    m.entries.push_back(std::move(e));
  }
  if (pick(3) == 0) m.context = std::string(pick(9), 'c');
  if (m.type == message_type::MsgSnap || pick(8) == 0) {
    m.snapshot.metadata.index = pick(1000);
    m.snapshot.metadata.term = maybe(pick(10));
    m.snapshot.metadata.conf_state.voters = {1, 2, 3};
    m.snapshot.metadata.conf_state.auto_leave = pick(2) == 0;
    if (pick(2) == 0) m.snapshot.data = std::string(pick(30), 's');
  }
  return m;
}

}  // namespace

TEST_CASE("a link heartbeat in each style: 30 bytes (3.4, 3.5), 20 (3.6), 2 (3.7)") {
  const auto heartbeat = link_heartbeat();
  CHECK(encoded_hex(heartbeat, wire_style::etcd_3_4) == "0808100018002000280030004000" "4a0a12080a02280010001800" "50005800");
  CHECK(encoded_hex(heartbeat, wire_style::etcd_3_6) == "0808100018002000280030004000" "500058006800");
  CHECK(encoded_hex(heartbeat, wire_style::etcd_3_7) == "0808");
}

TEST_CASE("3.6: the snapshot field only in MsgSnap, field 13 after field 12") {
  auto m = make(message_type::MsgHeartbeat, 3);
  m.context = "ab";
  CHECK(encoded_hex(m, wire_style::etcd_3_6) == "08081002180120032800300040005000580062026162" "6800");
  auto snap = make(message_type::MsgSnap, 3);
  CHECK(encoded_hex(snap, wire_style::etcd_3_6) == "0807100218012003280030004000" "4a0a12080a02280010001800" "500058006800");
}

TEST_CASE("3.7: what raft v3.7.0 sets for each type, even when zero") {
  // sendAppend: index, logTerm and commit always.
  CHECK(encoded_hex(make(message_type::MsgApp, 1), wire_style::etcd_3_7) == "0803100218012001280030004000");
  // sendHeartbeat: commit always; context only when the leader gave one.
  CHECK(encoded_hex(make(message_type::MsgHeartbeat, 1), wire_style::etcd_3_7) == "08081002180120014000");
  // campaign: index and logTerm always.
  CHECK(encoded_hex(make(message_type::MsgPreVote, 4), wire_style::etcd_3_7) == "081110021801200428003000");
  // handleAppendEntries: the index of an accepting reply (zero only in a reply
  // to a stale leader, built without one); a rejection sets index, rejectHint
  // and logTerm.
  auto resp = make(message_type::MsgAppResp, 2);
  CHECK(encoded_hex(resp, wire_style::etcd_3_7) == "0804100218012002");
  resp.index = 7;
  CHECK(encoded_hex(resp, wire_style::etcd_3_7) == "08041002180120023007");
  resp.index = 0;
  resp.reject = true;
  CHECK(encoded_hex(resp, wire_style::etcd_3_7) == "080410021801200228003000" "50015800");
  // handleHeartbeat: the context as it came; nothing else but the ids and term.
  auto answer = make(message_type::MsgHeartbeatResp, 2);
  answer.context = std::string("\x01\0\0\0\0\0\0\0", 8);
  CHECK(encoded_hex(answer, wire_style::etcd_3_7) == "0809100218012002" "62080100000000000000");
  // A proposal forwarded to the leader: no term, entries with data only.
  message prop;
  prop.type = message_type::MsgProp;
  prop.from = 1;
  prop.to = 2;
  entry e;
  e.data = "x";
  prop.entries.push_back(e);
  CHECK(encoded_hex(prop, wire_style::etcd_3_7) == "0802100218013a03220178");
}

TEST_CASE("every style: sizes equal the bytes written, and the decoder reads every style back") {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 3000; ++i) {
    const auto m = random_message(rng);
    for (const auto style : all_styles) {
      const auto bytes = encode(m, style);
      REQUIRE(bytes.size() == encoded_size(m, style));
      message back;
      REQUIRE_FALSE(decode(std::span(bytes), back));
      CHECK(back == m);
      for (const auto& e : m.entries) CHECK(encode(e, style).size() == encoded_size(e, style));
    }
  }
}
