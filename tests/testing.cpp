// The harness itself: deterministic runs until a condition holds.
#include <rafthttp/testing.hpp>

#include "support/recording_raft.hpp"

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;

TEST_CASE("a three-member cluster attaches every stream and delivers, one thread, no sleeps") {
  asio::io_context io(1);
  testing::cluster<test::recording_raft, test::memory_snapshotter> c(io, 3);
  CHECK(c.size() == 3);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  for (member_id to : {2, 3}) {
    message m;
    m.type = message_type::MsgVote;
    m.from = 1;
    m.to = to;
    m.term = 7;
    c.transport(1).send(m);
  }
  REQUIRE(c.run_until([&] { return !c.raft(2).processed.empty() && !c.raft(3).processed.empty(); }));
  CHECK(c.raft(3).processed[0].term == 7);
  CHECK(c.transport(1).active_peers() == 2);
}

TEST_CASE("run_until gives up at its bound") {
  asio::io_context io(1);
  testing::cluster<test::recording_raft, test::memory_snapshotter> c(io, 1);
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(c.run_until([] { return false; }, 100ms));
  CHECK(std::chrono::steady_clock::now() - start >= 100ms);
}

TEST_CASE("policies that need arguments come from factories") {
  asio::io_context io(1);
  int made = 0;
  testing::cluster<test::recording_raft, test::memory_snapshotter> c(
      io, 2, {},
      [&](member_id) {
        ++made;
        return std::make_unique<test::recording_raft>();
      });
  CHECK(made == 2);
}
