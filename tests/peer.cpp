// Go: TestPeerPick — the path each message takes, observed on the wire.
#include <rafthttp/peer.hpp>

#include "support/fake_peer.hpp"
#include "support/members.hpp"
#include "support/recording_raft.hpp"

#include <rafthttp/transport.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using test::elapse;

namespace {

using test_transport = transport<test::recording_raft, test::memory_snapshotter>;

transport_options options() { return test::member_options(); }

message make(message_type type, std::uint64_t index = 0) {
  message m = test::make_message(type, 1, 2, 3, index);
  m.log_term = 3;
  return m;
}

}  // namespace

CORO_TEST_CASE("path selection: MsgSnap pipeline; MsgApp msgappv2, else message stream, else pipeline") {
  test::recording_server pipeline_end(ctx);
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  REQUIRE_FALSE(t.listen(test::loopback()));
  t.add_peer(2, pipeline_end.url());

  // No stream attached: everything by pipeline.
  for (auto type : {message_type::MsgApp, message_type::MsgHeartbeat, message_type::MsgProp, message_type::MsgSnap})
    t.send(make(type));
  CO_WAIT_UNTIL(pipeline_end.received.size() >= 4);

  // The message stream only: MsgApp and the rest on it; MsgSnap still by pipeline.
  test::stream_client message_stream(ctx, stream_type::message, 2, 1);
  CHECK(co_await message_stream.dial(t.local_endpoint()) == 200);
  t.send(make(message_type::MsgApp, 7));
  auto got = co_await message_stream.next();
  REQUIRE(got);
  CHECK(got->type == message_type::MsgApp);
  t.send(make(message_type::MsgHeartbeat));
  got = co_await message_stream.next();
  REQUIRE(got);
  CHECK(got->type == message_type::MsgHeartbeat);
  t.send(make(message_type::MsgSnap));
  CO_WAIT_UNTIL(pipeline_end.received.size() >= 5);
  CHECK(pipeline_end.received.back().type == message_type::MsgSnap);

  // Both streams: MsgApp on msgappv2, the others on the message stream.
  test::stream_client msgapp_stream(ctx, stream_type::msgapp, 2, 1);
  CHECK(co_await msgapp_stream.dial(t.local_endpoint()) == 200);
  t.send(make(message_type::MsgApp, 8));
  got = co_await msgapp_stream.next();
  REQUIRE(got);
  CHECK(got->index == 8);
  t.send(make(message_type::MsgProp));
  got = co_await message_stream.next();
  REQUIRE(got);
  CHECK(got->type == message_type::MsgProp);
  CHECK(pipeline_end.received.size() == 5);
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("a full queue drops, reports unreachable, and a MsgSnap also a snapshot failure") {
  test::recording_server pipeline_end(ctx);
  pipeline_end.hold = true;  // nothing completes: 4 in flight, then 64 queued
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, pipeline_end.url());
  for (int i = 0; i < 4; ++i) t.send(make(message_type::MsgApp));
  CO_WAIT_UNTIL(pipeline_end.in_flight >= 4);
  for (int i = 0; i < 64; ++i) t.send(make(message_type::MsgApp));
  CHECK(raft.unreachable.empty());
  t.send(make(message_type::MsgSnap));  // the 69th
  CHECK(raft.unreachable[2] == 1);
  REQUIRE(raft.snapshot_reports.size() == 1);
  CHECK(raft.snapshot_reports[0].second == snapshot_status::failure);
  pipeline_end.release_all();
  CO_WAIT_UNTIL(pipeline_end.received.size() >= 68);
  t.send(make(message_type::MsgApp));  // room again
  CO_WAIT_UNTIL(pipeline_end.received.size() >= 69);
  CHECK(raft.unreachable[2] == 1);
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("async_send waits for room instead of dropping") {
  test::recording_server pipeline_end(ctx);
  pipeline_end.hold = true;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, pipeline_end.url());
  const auto m = make(message_type::MsgApp);
  for (int i = 0; i < 68; ++i) REQUIRE_FALSE(std::get<0>(co_await t.async_send(m, test::use_tuple)));
  bool sent = false;
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    const auto ec = std::get<0>(co_await t.async_send(m, test::use_tuple));
    sent = !ec;
  }, asio::detached);
  co_await elapse(ctx, 50ms);  // time for a send that would not wait
  CHECK_FALSE(sent);  // the queue is full: it waits
  pipeline_end.release_all();
  CO_WAIT_UNTIL(sent);
  CHECK(raft.unreachable.empty());  // nothing was dropped
  CO_WAIT_UNTIL(pipeline_end.received.size() >= 69);
  message unknown = m;
  unknown.to = 9;
  CHECK(std::get<0>(co_await t.async_send(unknown, test::use_tuple)) == errc::unknown_peer);
  co_await t.async_stop(asio::use_awaitable);
  CHECK(std::get<0>(co_await t.async_send(m, test::use_tuple)) == errc::stopped);
}

CORO_TEST_CASE("the byte cap bounds what is held for a peer, POSTs in flight included") {
  test::recording_server pipeline_end(ctx);
  pipeline_end.hold = true;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  auto o = options();
  o.max_queued_bytes_per_peer = 1 * mib;
  test_transport t(ctx.get_executor(), raft, snaps, o);
  t.add_peer(2, pipeline_end.url());
  auto big = make(message_type::MsgApp);
  big.entries.push_back({raftpb::entry_type::EntryNormal, 3, 1, std::string(300 * 1024, 'e')});
  for (int i = 0; i < 2; ++i) {  // in flight: still held
    t.send(big);
    CO_WAIT_UNTIL(pipeline_end.in_flight >= i + 1);
  }
  t.send(big);  // queued
  CHECK(raft.unreachable.empty());
  t.send(big);  // 4 × 300 KiB would pass 1 MiB
  CHECK(raft.unreachable[2] == 1);
  CHECK(t.find_peer(2)->queued_bytes() <= 1 * mib);
  CO_WAIT_UNTIL(pipeline_end.in_flight == 3);
  pipeline_end.release_all();
  CO_WAIT_UNTIL(t.find_peer(2)->queued_bytes() == 0);  // the POSTs ended
  t.send(big);
  CO_WAIT_UNTIL(pipeline_end.received.size() == 4);  // taken: room again
  CHECK(raft.unreachable[2] == 1);
  co_await t.async_stop(asio::use_awaitable);
}
