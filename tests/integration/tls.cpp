// Two transports over mutual TLS: streams, pipeline and a snapshot.
#include <rafthttp/transport.hpp>

#include "support/certs.hpp"
#include "support/coro.hpp"
#include "support/recording_raft.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace rafthttp;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

CORO_TEST_CASE("every channel over mutual TLS") {
  const auto dir = fs::temp_directory_path() / ("rafthttp-mtls-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  test::test_ca ca(dir, "ca");
  using tls_transport = transport<test::recording_raft, test::memory_snapshotter>;
  test::recording_raft raft1, raft2;
  test::memory_snapshotter snaps1, snaps2;
  tls_transport t1(ctx.get_executor(), raft1, snaps1, test::mutual_tls_member_options(ca, 1));
  tls_transport t2(ctx.get_executor(), raft2, snaps2, test::mutual_tls_member_options(ca, 2));
  const http::tcp::endpoint loopback(asio::ip::make_address("127.0.0.1"), 0);
  REQUIRE_FALSE(t1.listen(loopback, true));
  REQUIRE_FALSE(t2.listen(loopback, true));
  auto https = [](const tls_transport& t) {
    return *url_list::parse("https://127.0.0.1:" + std::to_string(t.local_endpoint().port()));
  };
  t1.add_peer(2, https(t2));
  // Before 2 knows 1, 1's messages go by pipeline, over TLS.
  message m;
  m.type = message_type::MsgHeartbeat;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  CHECK_FALSE(t1.send(m));
  CO_WAIT_UNTIL(raft2.processed.size() == 1);
  t2.add_peer(1, https(t1));
  CO_WAIT_UNTIL(t1.find_peer(2)->streams_attached(stream_type::message) &&
                t1.find_peer(2)->streams_attached(stream_type::msgapp));
  for (int i = 0; i < 100; ++i) CHECK_FALSE(t1.send(m));
  CO_WAIT_UNTIL(raft2.processed.size() == 101);

  message snap;
  snap.type = message_type::MsgSnap;
  snap.from = 1;
  snap.to = 2;
  snap.snapshot.metadata.index = 9;
  const std::string db(3 * 1024 * 1024, 'd');
  const auto ec = std::get<0>(co_await t1.async_send_snapshot(snapshot_message(
      snap, std::make_unique<memory_db_source>(std::span(reinterpret_cast<const std::uint8_t*>(db.data()), db.size())),
      db.size()), test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(snaps2.dbs[9] == db);
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
  fs::remove_all(dir);
}
