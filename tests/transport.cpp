// Go: TestTransportSend, TestTransportCutMend, TestTransportAdd,
// TestTransportRemove, TestTransportRemoveIsIdempotent, TestTransportUpdate,
// TestTransportErrorc (in tests/pipeline.cpp), and the stop semantics.
#include <rafthttp/transport.hpp>

#include "support/fake_peer.hpp"
#include "support/members.hpp"
#include "support/recording_raft.hpp"

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using test::elapse;

namespace {

using test_transport = transport<test::recording_raft, test::memory_snapshotter>;

transport_options options() { return test::member_options(); }

message to(member_id id, std::uint64_t term = 1) {
  message m;
  m.type = message_type::MsgHeartbeat;
  m.from = 1;
  m.to = id;
  m.term = term;
  return m;
}

}  // namespace

CORO_TEST_CASE("send routes by To; To 0 and unknown ids are dropped") {
  test::recording_server two(ctx), three(ctx);
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, two.url());
  t.add_peer(3, three.url());
  const std::vector<message> batch{to(2), to(3, 2), to(0), to(4)};
  t.send(batch);
  CO_WAIT_UNTIL(!two.received.empty() && !three.received.empty());
  co_await elapse(ctx, 20ms);  // time for anything that would arrive
  CHECK(two.received.size() == 1);
  CHECK(three.received.size() == 1);
  CHECK(three.received[0].term == 2);
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("cut_peer makes sends disappear; mend_peer restores them") {
  test::recording_server two(ctx);
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, two.url());
  t.cut_peer(2);
  t.send(to(2));
  co_await elapse(ctx, 30ms);  // time for anything that would arrive
  CHECK(two.received.empty());
  CHECK(raft.unreachable.empty());  // dropped silently
  t.mend_peer(2);
  t.send(to(2));
  CO_WAIT_UNTIL(!two.received.empty());
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("add_peer twice keeps the first; remove_peer forgets, twice is harmless; update_peer moves") {
  test::recording_server first(ctx), second(ctx);
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, first.url());
  t.add_peer(2, second.url());
  CHECK(t.find_peer(2)->urls() == first.url());
  t.update_peer(2, second.url());
  t.update_peer(9, second.url());  // unknown: nothing happens
  t.send(to(2));
  CO_WAIT_UNTIL(!second.received.empty());
  CHECK(first.received.empty());
  t.remove_peer(2);
  CHECK_FALSE(t.find_peer(2));
  t.remove_peer(2);
  t.add_peer(3, first.url());
  t.add_peer(4, first.url());
  t.remove_all_peers();
  CHECK_FALSE(t.find_peer(3));
  CHECK_FALSE(t.find_peer(4));
  CHECK(t.active_peers() == 0);
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("remotes carry sends to members that are no peers; peers win") {
  test::recording_server remote_end(ctx), peer_end(ctx);
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_remote(5, remote_end.url());
  t.send(to(5));
  CO_WAIT_UNTIL(!remote_end.received.empty());
  t.add_peer(5, peer_end.url());
  t.send(to(5));
  CO_WAIT_UNTIL(!peer_end.received.empty());
  CHECK(remote_end.received.size() == 1);
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("after stop: no peers, no remotes, stream dials 404, and async_stop ends every coroutine") {
  test::recording_server two(ctx);
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  REQUIRE_FALSE(t.listen(test::loopback()));
  // Also mounted on a server of ours, as etcd serves Handler(): that server
  // goes on answering after the transport stopped.
  http::router routes;
  t.mount(routes);
  http::server server(ctx.get_executor(), routes);
  REQUIRE_FALSE(server.listen(test::loopback()));
  t.add_peer(2, two.url());
  for (int i = 0; i < 20; ++i) t.send(to(2));  // in flight and queued when stopping
  co_await t.async_stop(asio::use_awaitable);
  CHECK(t.running_tasks() == 0);
  t.add_peer(3, two.url());
  t.add_remote(4, two.url());
  CHECK_FALSE(t.find_peer(3));
  CHECK_FALSE(t.has_remote(4));
  t.send(to(2));
  CHECK(raft.unreachable.empty());

  // Stream dials, from the peer it had and from a member that names its URLs
  // (which adds a remote while running): 404, and no remote.
  for (const auto& [target, from] : {std::pair{"/raft/stream/message/2", "2"}, std::pair{"/raft/stream/msgapp/2", "2"},
                                     std::pair{"/raft/stream/message/5", "5"}}) {
    CAPTURE(target);
    http::fields h;
    h.add("X-Server-From", from);
    h.add("X-Server-Version", "3.4.23");
    h.add("X-Min-Cluster-Version", "3.0.0");
    h.add("X-Etcd-Cluster-ID", "7b");
    h.add("X-Raft-To", "1");
    h.add("X-PeerURLs", "http://127.0.0.1:5");
    const auto r = co_await test::raw_round_trip(ctx, server.local_endpoint(), test::request_text("GET", target, h));
    CHECK(r.status == 404);
    CHECK(r.body == "error sender not found\n");
  }
  CHECK_FALSE(t.has_remote(5));
  CHECK(t.find_peer(2) == nullptr);
}
