// Go: TestPipelineSend, TestPipelineKeepSendingWhenPostError,
// TestPipelineExceedMaximumServing (in tests/peer.cpp), TestPipelineSendFailed,
// TestPipelinePost, TestPipelinePostBad, TestPipelinePostErrorc,
// TestStopBlockedPipeline.
#include <rafthttp/pipeline.hpp>

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

transport_options options() {
  auto o = test::member_options();
  o.urls = *url_list::parse("http://127.0.0.1:7001");
  return o;
}

message app(std::uint64_t index) { return test::make_message(message_type::MsgApp, 1, 2, 1, index); }

}  // namespace

CORO_TEST_CASE("a POST carries the message with etcd's headers; 204 activates") {
  test::recording_server server(ctx);
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, server.url());
  t.send(app(5));
  CO_WAIT_UNTIL(!server.received.empty());
  const auto& r = server.requests[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/raft");
  CHECK(r.headers.get("Content-Type") == "application/protobuf");
  CHECK(r.headers.get("X-Server-From") == "1");
  CHECK(r.headers.get("X-Server-Version") == profile_of(newest_etcd_version).server_version);
  CHECK(r.headers.get("X-Min-Cluster-Version") == "3.0.0");
  CHECK(r.headers.get("X-Etcd-Cluster-ID") == "7b");
  CHECK(r.headers.get("X-PeerURLs") == "http://127.0.0.1:7001");
  CHECK(server.received[0] == app(5));
  CO_WAIT_UNTIL(t.find_peer(2)->status().active());
  CHECK(t.active_since(2) != std::chrono::system_clock::time_point{});
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("every message is attempted despite failures; each failure is reported") {
  test::recording_server server(ctx);
  server.status = 500;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, server.url());
  for (std::uint64_t i = 0; i < 50; ++i) t.send(app(i));  // all fit the 64-message queue
  CO_WAIT_UNTIL(server.received.size() >= 50 && raft.unreachable[2] >= 50);
  CHECK(raft.unreachable[2] == 50);
  CHECK_FALSE(t.find_peer(2)->status().active());
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("transport errors, 200 and 201 are failures; MsgSnap reports them") {
  for (int status : {0, 200, 201}) {
    CAPTURE(status);
    test::recording_server server(ctx);
    server.status = status == 0 ? 204 : status;
    test::recording_raft raft;
    test::memory_snapshotter snaps;
    test_transport t(ctx.get_executor(), raft, snaps, options());
    // status 0: a URL nothing listens on.
    t.add_peer(2, status == 0 ? *url_list::parse("http://127.0.0.1:1") : server.url());
    auto snap = app(1);
    snap.type = message_type::MsgSnap;
    t.send(snap);
    CO_WAIT_UNTIL(!raft.snapshot_reports.empty());
    CHECK(raft.snapshot_reports[0].second == snapshot_status::failure);
    CHECK(raft.unreachable[2] == 1);
    co_await t.async_stop(asio::use_awaitable);
  }
}

CORO_TEST_CASE("403 means this member was removed: a critical error") {
  test::recording_server server(ctx);
  server.status = 403;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, server.url());
  co_await elapse(ctx, 20ms);  // time for anything that would arrive
  CHECK(raft.critical_errors.empty());  // nothing before sending
  t.send(app(1));
  CO_WAIT_UNTIL(!raft.critical_errors.empty());
  CHECK(raft.critical_errors[0] == errc::member_removed);
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("stop does not wait for blocked requests: they are cancelled") {
  test::recording_server server(ctx);
  server.hold = true;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  t.add_peer(2, server.url());
  for (std::uint64_t i = 0; i < 10; ++i) t.send(app(i));
  CO_WAIT_UNTIL(server.in_flight >= 4);
  const auto start = http::clock::now();
  co_await t.async_stop(asio::use_awaitable);
  CHECK(http::clock::now() - start < 1s);
  CHECK(raft.unreachable.empty());  // nothing reaches raft after stop
  server.release_all();
}

// Go: the pipeline marks a URL that failed a POST unreachable, so the next
// POST goes to the next URL (TestPipelineSendFailed shows the report; the
// failover is picker's). A remote has no streams to move the picker for it.
CORO_TEST_CASE("a failed POST moves the pipeline on to the next URL of the member") {
  test::recording_server live(ctx);
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options());
  // URL lists are sorted: the dead one (nothing listens on port 1) comes first.
  const auto urls = *url_list::parse("http://127.0.0.1:1," + live.url().joined());
  REQUIRE(urls[0].port == "1");
  t.add_remote(2, urls);
  for (std::uint64_t i = 0; i < 40; ++i) t.send(app(i));  // within the 64-message queue
  CO_WAIT_UNTIL(live.received.size() + static_cast<std::size_t>(raft.unreachable[2]) >= 40);
  // At most the POSTs that had picked the dead URL before the first failed
  // (one per worker) are lost; everything after goes to the live URL.
  CHECK(live.received.size() >= 40 - options().pipeline_workers);
  co_await t.async_stop(asio::use_awaitable);
}
