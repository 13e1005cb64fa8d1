#include <rafthttp/rafthttp.hpp>

#include "support/coro.hpp"
#include "support/recording_raft.hpp"

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using rafthttp::test::elapse;

namespace {
using test_transport = transport<test::recording_raft, test::memory_snapshotter>;

transport_options options_for(member_id id) {
  transport_options o;
  o.id = id;
  o.cluster_id = 0x1000;
  return o;
}

url_list url_of(const test_transport& t) {
  return *url_list::parse("http://127.0.0.1:" + std::to_string(t.local_endpoint().port()));
}
}  // namespace

CORO_TEST_CASE("two transports exchange messages over streams") {
  test::recording_raft raft1, raft2;
  test::memory_snapshotter snaps1, snaps2;
  test_transport t1(ctx.get_executor(), raft1, snaps1, options_for(1));
  test_transport t2(ctx.get_executor(), raft2, snaps2, options_for(2));
  const auto loopback = http::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
  REQUIRE_FALSE(t1.listen(loopback));
  REQUIRE_FALSE(t2.listen(loopback));
  t1.add_peer(2, url_of(t2));
  t2.add_peer(1, url_of(t1));
  CO_WAIT_UNTIL(t1.find_peer(2)->streams_attached(stream_type::msgapp) &&
                t1.find_peer(2)->streams_attached(stream_type::message));
  message m;
  m.type = message_type::MsgApp;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.log_term = 3;
  m.index = 10;
  m.entries.push_back({raftpb::entry_type::EntryNormal, 3, 11, "hello"});
  t1.send(m);
  CO_WAIT_UNTIL(!raft2.processed.empty());
  CHECK(raft2.processed[0] == m);
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
  CHECK(t1.running_tasks() == 0);
}
