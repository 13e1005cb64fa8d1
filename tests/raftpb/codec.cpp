#include <rafthttp/raftpb/codec.hpp>

#include "support/hex.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace rafthttp;
using namespace rafthttp::raftpb;
using rafthttp::test::from_hex;
using rafthttp::test::to_hex;

namespace {

template <class T>
std::string encoded_hex(const T& value) {
  auto bytes = encode(value);
  CHECK(bytes.size() == encoded_size(value));
  return to_hex(bytes);
}

template <class T>
T decoded(std::string_view hex) {
  T value;
  const auto bytes = from_hex(hex);
  REQUIRE_FALSE(decode(std::span(bytes), value));
  return value;
}

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

// Golden hex vectors: these messages as Go 3.4.23's raftpb Marshal encodes them.
TEST_CASE("encodes as Go 3.4 Marshal does") {
  CHECK(encoded_hex(message{}) == "080010001800200028003000400" "04a0a12080a0228001000180050005800");
  CHECK(encoded_hex(link_heartbeat()) ==
        "08081000180020002800300040004a0a12080a0228001000180050005800");
  CHECK(encoded_hex(heartbeat(2, 1, 5, 10)) ==
        "08081002180120052800300040" "0a4a0a12080a0228001000180050005800");

  message app;
  app.type = message_type::MsgApp;
  app.to = 2;
  app.from = 1;
  app.term = 5;
  app.log_term = 5;
  app.index = 10;
  app.commit = 10;
  app.entries.push_back({entry_type::EntryNormal, 5, 11, "hello"});
  CHECK(encoded_hex(app) ==
        "0803100218012005280530" "0a3a0d080010051" "80b220568656c6c6f400a4a0a12080a0228001000180050005800");

  message resp;
  resp.type = message_type::MsgAppResp;
  resp.to = 1;
  resp.from = 2;
  resp.term = 5;
  resp.index = 11;
  CHECK(encoded_hex(resp) == "08041001180220052800300b40004a0a12080a0228001000180050005800");
  resp.reject = true;
  resp.reject_hint = 9;
  CHECK(encoded_hex(resp) == "08041001180220052800300b40004a0a12080a0228001000180050015809");

  message prop;
  prop.type = message_type::MsgProp;
  prop.to = 1;
  prop.from = 2;
  prop.entries.push_back({entry_type::EntryNormal, 0, 0, "x"});
  CHECK(encoded_hex(prop) ==
        "0802100118022000280030003a090800100018002201784000" "4a0a12080a0228001000180050005800");

  auto with_context = heartbeat(2, 1, 5, 0);
  with_context.context.emplace();
  CHECK(encoded_hex(with_context) == "08081002180120052800300040004a0a12080a02280010001800500058006200");

  message snap;
  snap.type = message_type::MsgSnap;
  snap.to = 2;
  snap.from = 1;
  snap.term = 5;
  snap.snapshot.data = "d";
  snap.snapshot.metadata.conf_state.voters = {1, 2, 3};
  snap.snapshot.metadata.index = 100;
  snap.snapshot.metadata.term = 5;
  CHECK(encoded_hex(snap) ==
        "08071002180120052800300040004a130a0164120e0a080801080208032800106418055000" "5800");

  const auto big_ids = heartbeat(0x8e9e05c52164694dULL, 0x91bc3c398fb3c146ULL, 2, 0);
  CHECK(encoded_hex(big_ids) ==
        "080810cdd2918bd2b881cf8e0118c682cffd98878fde9101200228003000400" "04a0a12080a0228001000180050005800");

  CHECK(encoded_hex(entry{entry_type::EntryNormal, 5, 11, "hello"}) == "08001005180b220568656c6c6f");
  CHECK(encoded_hex(entry{}) == "080010001800");
  conf_state cs;
  cs.voters = {1, 2};
  cs.learners = {3};
  CHECK(encoded_hex(cs) == "0801080210032800");
  CHECK(encoded_hex(hard_state{5, 1, 10}) == "0805100118" "0a");
}

TEST_CASE("decodes what Go 3.4 encodes") {
  auto m = decoded<message>("0803100218012005280530" "0a3a0d080010051" "80b220568656c6c6f400a4a0a12080a0228001000180050005800");
  CHECK(m.type == message_type::MsgApp);
  CHECK(m.to == 2);
  CHECK(m.from == 1);
  CHECK(m.log_term == 5);
  CHECK(m.index == 10);
  CHECK(m.commit == 10);
  REQUIRE(m.entries.size() == 1);
  CHECK(m.entries[0] == entry{entry_type::EntryNormal, 5, 11, "hello"});
  CHECK_FALSE(m.context.has_value());
  CHECK_FALSE(m.snapshot.data.has_value());
}

TEST_CASE("absent and present-empty bytes round-trip distinctly") {
  auto m = heartbeat(2, 1, 5, 0);
  CHECK(decoded<message>(encoded_hex(m)) == m);
  m.context.emplace();
  const auto with_empty = decoded<message>(encoded_hex(m));
  CHECK(with_empty.context.has_value());
  CHECK(with_empty.context.empty());
  CHECK(with_empty == m);
}

// What etcd 3.6 (raft v3.6.0: field 13 always, no empty snapshot) and etcd main
// (raft v3.7.0: only the fields set) emit must decode.
TEST_CASE("decodes 3.6 and main encodings") {
  const auto v36 = decoded<message>("08081002180120052800300040" "0a5000580068" "00");
  CHECK(v36 == heartbeat(2, 1, 5, 10));
  const auto main_heartbeat = decoded<message>("0808");
  CHECK(is_link_heartbeat(main_heartbeat));
  CHECK(decoded<message>("08081002180120054" "00a") == heartbeat(2, 1, 5, 10));
}

TEST_CASE("rejects malformed input") {
  message m;
  auto rejects = [&](std::string_view hex) {
    const auto bytes = from_hex(hex);
    return bool(decode(std::span(bytes), m));
  };
  const std::string garbage = "malformed garbage";
  CHECK(decode(std::span(reinterpret_cast<const std::uint8_t*>(garbage.data()), garbage.size()), m));
  CHECK(rejects("08"));                                  // truncated varint field
  CHECK(rejects("3a05080010"));                          // entry longer than the input
  CHECK(rejects("38" "05"));                             // entries (7) as a varint
  CHECK(rejects("12" "00"));                             // to (2) length-delimited
  CHECK(rejects("08ffffffffffffffffffff01"));            // 11-byte varint
  CHECK(rejects("0b0c"));                                // group wire types
  CHECK(rejects("0808" "00" "10"));                      // zero tag
  CHECK(rejects("3a03" "0800" "00"));                    // zero tag inside an entry
  const auto truncated = from_hex("08");
  CHECK(decode(std::span(truncated), m) == codec::errc::truncated);
}

TEST_CASE("random and mutated inputs never crash") {
  std::mt19937_64 rng(7);
  message m;
  const auto seed = encode(heartbeat(2, 1, 5, 10));
  for (int i = 0; i < 20000; ++i) {
    auto input = seed;
    input.resize(rng() % (seed.size() + 8));
    for (auto& b : input)
      if (rng() % 8 == 0) b = static_cast<std::uint8_t>(rng());
    (void)decode(std::span(input), m);
  }
}
