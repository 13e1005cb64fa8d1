// Remotes (doc/protocol.md 10.3, 10.4): pipeline only; a full queue drops without a
// report to raft; pause loses what is sent meanwhile; resume starts afresh.
#include <rafthttp/remote.hpp>

#include "support/fake_peer.hpp"
#include "support/recording_raft.hpp"

#include <rafthttp/transport.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using test::elapse;

CORO_TEST_CASE("a remote sends by pipeline, drops silently when full, and can be cut and mended") {
  using test_transport = transport<test::recording_raft, test::memory_snapshotter>;
  test::recording_server server(ctx);
  server.hold = true;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  transport_options o;
  o.id = 1;
  o.cluster_id = 0x7b;
  test_transport t(ctx.get_executor(), raft, snaps, o);
  t.add_remote(3, server.url());
  t.add_remote(3, *url_list::parse("http://127.0.0.1:1"));  // known already: ignored
  message m;
  m.type = message_type::MsgAppResp;
  m.from = 1;
  m.to = 3;
  for (int i = 0; i < 4; ++i) t.send(m);
  CO_WAIT_UNTIL(server.in_flight >= 4);
  for (int i = 0; i < 96; ++i) t.send(m);  // 64 queued; the rest dropped
  CHECK(raft.unreachable.empty());
  server.release_all();
  CO_WAIT_UNTIL(server.received.size() >= 68);
  co_await elapse(ctx, 20ms);  // time for anything that would arrive
  CHECK(server.received.size() == 68);

  t.cut_peer(3);
  t.send(m);
  co_await elapse(ctx, 20ms);  // time for anything that would arrive
  CHECK(server.received.size() == 68);
  t.mend_peer(3);
  t.send(m);
  CO_WAIT_UNTIL(server.received.size() >= 69);
  co_await t.async_stop(asio::use_awaitable);
}
