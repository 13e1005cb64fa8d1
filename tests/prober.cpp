// Go (probing library): TestProbe; and what Go's prober accepts.
#include <rafthttp/prober.hpp>

#include "support/fake_peer.hpp"
#include "support/recording_raft.hpp"

#include <rafthttp/transport.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using test::elapse;

TEST_CASE("probe bodies: OK must be true, Now an RFC 3339 time; names are case-insensitive") {
  auto good = detail::parse_probe_body(R"({"OK":true,"Now":"2026-11-26T23:21:22.403206815Z"})");
  CHECK(good.ok);
  CHECK(good.now);
  auto lower = detail::parse_probe_body(R"({ "ok" : true , "now" : "2026-11-26T23:21:22Z" })");
  CHECK(lower.ok);
  CHECK(lower.now);
  CHECK_FALSE(detail::parse_probe_body(R"({"OK":false,"Now":"2026-11-26T23:21:22Z"})").ok);
  CHECK_FALSE(detail::parse_probe_body(R"({"OK":true,"Now":"yesterday"})").now);
  CHECK_FALSE(detail::parse_probe_body("garbage").ok);
}

CORO_TEST_CASE("healthy while the peer answers, unhealthy with losses once it is gone") {
  using test_transport = transport<test::recording_raft, test::memory_snapshotter>;
  test::recording_raft raft1, raft2;
  test::memory_snapshotter snaps1, snaps2;
  transport_options o1, o2;
  o1.id = 1;
  o2.id = 2;
  o1.cluster_id = o2.cluster_id = 0x7b;
  o1.prober_interval = 10ms;
  test_transport t1(ctx.get_executor(), raft1, snaps1, o1);
  auto t2 = std::make_unique<test_transport>(ctx.get_executor(), raft2, snaps2, o2);
  REQUIRE_FALSE(t2->listen(test::loopback()));
  t1.add_peer(2, test::url_of(t2->local_endpoint()));
  CO_WAIT_UNTIL(t1.find_peer(2)->probe().total >= 10);
  const auto healthy = t1.find_peer(2)->probe();
  CHECK(healthy.healthy);
  CHECK(healthy.loss == 0);
  CHECK(healthy.srtt > 0ns);
  CHECK(healthy.srtt < 100ms);
  CHECK(std::chrono::abs(healthy.clock_difference) < 1s);
  co_await t2->async_stop(asio::use_awaitable);
  t2.reset();
  const auto total = t1.find_peer(2)->probe().total;
  CO_WAIT_UNTIL(t1.find_peer(2)->probe().total >= total + 5);
  CHECK_FALSE(t1.find_peer(2)->probe().healthy);
  CHECK(t1.find_peer(2)->probe().loss >= 4);
  co_await t1.async_stop(asio::use_awaitable);
}

// Probing library: TestProbeReset, TestProbeRemove.
CORO_TEST_CASE("updating a peer restarts its probe statistics; removing it stops probing") {
  using test_transport = transport<test::recording_raft, test::memory_snapshotter>;
  test::recording_raft raft1, raft2;
  test::memory_snapshotter snaps1, snaps2;
  transport_options o1, o2;
  o1.id = 1;
  o2.id = 2;
  o1.cluster_id = o2.cluster_id = 0x7b;
  o1.prober_interval = 10ms;
  test_transport t1(ctx.get_executor(), raft1, snaps1, o1);
  test_transport t2(ctx.get_executor(), raft2, snaps2, o2);
  REQUIRE_FALSE(t2.listen(test::loopback()));
  t1.add_peer(2, test::url_of(t2.local_endpoint()));
  CO_WAIT_UNTIL(t1.find_peer(2)->probe().total >= 5);
  t1.update_peer(2, test::url_of(t2.local_endpoint()));
  CHECK(t1.find_peer(2)->probe().total == 0);
  CO_WAIT_UNTIL(t1.find_peer(2)->probe().healthy);
  const auto before = t1.running_tasks();
  t1.remove_peer(2);
  CHECK_FALSE(t1.find_peer(2));
  CO_WAIT_UNTIL(t1.running_tasks() < before);  // its prober (and the rest) ended
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
}
