// Several transports on one io_context and one thread, driven by the testing
// harness: delivery on every channel, path switching, ordering, cut/mend,
// pause/resume, membership changes and stop with traffic in flight.
#include <rafthttp/testing.hpp>

#include "support/fault_proxy.hpp"
#include "support/recording_raft.hpp"

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using test_cluster = testing::cluster<test::recording_raft, test::memory_snapshotter>;

namespace {

message make(message_type type, member_id from, member_id to, std::uint64_t term = 1) {
  message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

message app(member_id from, member_id to, std::uint64_t index, std::string_view data = "x") {
  auto m = make(message_type::MsgApp, from, to, 5);
  m.log_term = 5;
  m.index = index;
  m.commit = index;
  m.entries.push_back({raftpb::entry_type::EntryNormal, 5, index + 1, data});
  return m;
}

std::size_t count_from(const test::recording_raft& raft, member_id from) {
  return static_cast<std::size_t>(std::ranges::count(raft.processed, from, &message::from));
}

}  // namespace

// Go: TestSendMessage.
TEST_CASE("every message type crosses the streams equal to what was sent") {
  asio::io_context io(1);
  test_cluster c(io, 2);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  std::vector<message> sent;
  for (auto type : {message_type::MsgProp, message_type::MsgApp, message_type::MsgAppResp, message_type::MsgVote,
                    message_type::MsgVoteResp, message_type::MsgHeartbeat, message_type::MsgHeartbeatResp,
                    message_type::MsgReadIndex, message_type::MsgTimeoutNow, message_type::MsgPreVote}) {
    auto m = make(type, 1, 2, 3);
    if (type == message_type::MsgApp || type == message_type::MsgProp) m.entries.push_back({{}, 3, 4, "data"});
    if (type == message_type::MsgHeartbeat) m.context = "ctx";
    sent.push_back(m);
    c.transport(1).send(m);
  }
  REQUIRE(c.run_until([&] { return c.raft(2).processed.size() == sent.size(); }));
  // Two streams (and the proposal queue) may interleave; each message arrives once, equal.
  for (const auto& m : sent) CHECK(std::ranges::count(c.raft(2).processed, m) == 1);
}

TEST_CASE("MsgSnap through send() goes over the pipeline and is reported finished") {
  asio::io_context io(1);
  test_cluster c(io, 2);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  auto snap = make(message_type::MsgSnap, 1, 2, 4);
  snap.snapshot.metadata.index = 42;
  snap.snapshot.metadata.conf_state.voters = {1, 2};
  c.transport(1).send(snap);
  REQUIRE(c.run_until([&] { return !c.raft(1).snapshot_reports.empty(); }));
  CHECK(c.raft(1).snapshot_reports[0] == std::pair{member_id{2}, snapshot_status::finish});
  REQUIRE(c.raft(2).processed.size() == 1);
  CHECK(c.raft(2).processed[0] == snap);
}

TEST_CASE("a sender the receiver does not know uses the pipeline and becomes a remote") {
  asio::io_context io(1);
  test_cluster c(io, 2);
  c.transport(1).add_peer(2, c.urls(2));  // 2 never dials 1's streams
  for (std::uint64_t i = 0; i < 10; ++i) c.transport(1).send(app(1, 2, i));
  REQUIRE(c.run_until([&] { return c.raft(2).processed.size() == 10; }));
  CHECK_FALSE(c.transport(1).find_peer(2)->streams_attached(stream_type::message));
  CHECK(c.transport(2).has_remote(1));
  // The remote carries 2's answers back over the pipeline.
  c.transport(2).send(make(message_type::MsgAppResp, 2, 1));
  REQUIRE(c.run_until([&] { return c.raft(1).processed.size() == 1; }));
}

TEST_CASE("MsgApp keeps its order on the msgappv2 stream") {
  asio::io_context io(1);
  test_cluster c(io, 2);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  constexpr std::uint64_t n = 3000;
  for (std::uint64_t i = 0; i < n; ++i) c.transport(1).send(app(1, 2, 10 + i));
  REQUIRE(c.run_until([&] { return c.raft(2).processed.size() == n; }));
  for (std::uint64_t i = 0; i < n; ++i) CHECK(c.raft(2).processed[i].index == 10 + i);
  CHECK(c.raft(1).unreachable.empty());
}

TEST_CASE("cut and mend, pause and resume") {
  asio::io_context io(1);
  test_cluster c(io, 2);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  c.cut(1, 2);
  c.transport(1).send(make(message_type::MsgHeartbeat, 1, 2));
  c.transport(2).send(make(message_type::MsgHeartbeat, 2, 1));
  c.run_for(100ms);
  CHECK(c.raft(1).processed.empty());
  CHECK(c.raft(2).processed.empty());
  c.mend(1, 2);
  c.transport(1).send(make(message_type::MsgHeartbeat, 1, 2));
  REQUIRE(c.run_until([&] { return c.raft(2).processed.size() == 1; }));

  // Pause drops what goes out and what streams bring in; POSTs still arrive.
  c.pause(2);
  c.transport(1).send(make(message_type::MsgHeartbeat, 1, 2));
  c.transport(2).send(make(message_type::MsgHeartbeat, 2, 1));
  c.run_for(100ms);
  CHECK(c.raft(2).processed.size() == 1);
  CHECK(c.raft(1).processed.empty());
  auto snap = make(message_type::MsgSnap, 1, 2);
  c.transport(1).send(snap);  // the pipeline: processed although 2 is paused
  REQUIRE(c.run_until([&] { return c.raft(2).processed.size() == 2; }));
  c.resume(2);
  c.transport(2).send(make(message_type::MsgHeartbeat, 2, 1));
  REQUIRE(c.run_until([&] { return c.raft(1).processed.size() == 1; }));
}

TEST_CASE("remove and update a peer with traffic in flight; stop with traffic in flight") {
  asio::io_context io(1);
  test_cluster c(io, 3);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  for (std::uint64_t i = 0; i < 500; ++i) c.transport(1).send(app(1, 2, i));
  c.transport(1).remove_peer(2);
  c.transport(1).remove_peer(2);  // idempotent, as in etcd 3.6
  CHECK_FALSE(c.transport(1).find_peer(2));
  c.transport(1).send(app(1, 2, 1000));  // unknown now: dropped
  for (std::uint64_t i = 0; i < 500; ++i) c.transport(1).send(app(1, 3, i));
  c.transport(1).update_peer(3, c.urls(3));
  REQUIRE(c.run_until([&] { return count_from(c.raft(3), 1) == 500; }));
  // Peer 2's streams from 1 are gone; 2 still reaches 3.
  CHECK(c.run_until([&] { return !c.transport(2).find_peer(1)->reader_attached(stream_type::message); }));
  for (std::uint64_t i = 0; i < 2000; ++i) c.transport(2).send(app(2, 3, i));
  c.transport(2).stop();
  CHECK(c.run_until([&] { return c.transport(2).running_tasks() == 0; }));
  const auto received = count_from(c.raft(3), 2);
  c.run_for(50ms);
  CHECK(count_from(c.raft(3), 2) == received);  // nothing after the stop
}

// Go: TestSendMessageWhenStreamIsBroken. Each member dials the other
// through a fault proxy, so that every connection between them is a link the
// test can reset (RST to both ends): both streams each way, and whatever
// else is open. Then 1 sends a heartbeat every millisecond, as Go's test
// does, until one arrives: it can only come over a new connection.
TEST_CASE("delivery resumes quickly after every connection broke") {
  asio::io_context io(1);
  test_cluster c(io, 2);
  test::fault_proxy to1(io, c.transport(1).local_endpoint());
  test::fault_proxy to2(io, c.transport(2).local_endpoint());
  c.transport(1).add_peer(2, to2.url());
  c.transport(2).add_peer(1, to1.url());
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  // 1's readers dialled 2 and 2's dialled 1, each stream once, through the proxies.
  REQUIRE(to2.open_links("/raft/stream/") == 2);
  REQUIRE(to1.open_links("/raft/stream/") == 2);

  const auto links_before = to1.links() + to2.links();
  to1.reset_all();
  to2.reset_all();
  REQUIRE(to1.open_links() + to2.open_links() == 0);
  for (const auto* proxy : {&to1, &to2})
    for (const auto& link : proxy->all_links()) CHECK(link->was_reset);

  const auto start = std::chrono::steady_clock::now();
  auto took = std::chrono::steady_clock::duration::zero();
  while (c.raft(2).processed.empty() && took < 2s) {
    c.transport(1).send(make(message_type::MsgHeartbeat, 1, 2));
    c.run_for(1ms);
    took = std::chrono::steady_clock::now() - start;
  }
  REQUIRE(!c.raft(2).processed.empty());
  CHECK(c.raft(2).processed[0].type == message_type::MsgHeartbeat);
  MESSAGE("delivered again after ", std::chrono::duration<double, std::milli>(took).count(), " ms");
  CHECK(took < 200ms);  // Go's test: 50 ms
  CHECK(to1.links() + to2.links() > links_before);  // over a new connection

  // The streams come back too, on new connections.
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  CHECK(to2.open_links("/raft/stream/") == 2);
  CHECK(to1.open_links("/raft/stream/") == 2);
}
