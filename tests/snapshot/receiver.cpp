// The snapshot receiver, seen from a sending transport: what each failure
// looks like to the sender and to raft. (The endpoint's statuses and bodies,
// byte for byte: tests/handlers.cpp.)
#include <rafthttp/snapshot/receiver.hpp>

#include "support/snapshots.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace rafthttp::test;
using namespace std::chrono_literals;

CORO_TEST_CASE("the receiver's snapshotter fails: 500, failure reported, no .snap.db") {
  snapshot_pair p(ctx);
  fs::remove_all(p.dir.path);  // nowhere to write (as root too)
  const auto db = db_bytes(1000);
  const auto ec = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(5), std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK(ec == http::errc::unexpected_status);
  CHECK_FALSE(fs::exists(p.dir.path));
  CHECK(p.receiver_raft.processed.empty());
  REQUIRE(p.sender_raft.snapshot_reports.size() == 1);
  CHECK(p.sender_raft.snapshot_reports[0].second == snapshot_status::failure);
  fs::create_directories(p.dir.path);
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("wrong cluster id and a removed sender fail; 403 is critical") {
  auto other_cluster = member_options(2);
  other_cluster.cluster_id = 0x7c;
  snapshot_pair mismatched(ctx, other_cluster);
  const auto db = db_bytes(100);
  auto ec = std::get<0>(co_await mismatched.sender.async_send_snapshot(
      snapshot_message(msnap(1), std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK(ec == http::errc::unexpected_status);
  CHECK(mismatched.dir.files().empty());
  co_await mismatched.sender.async_stop(asio::use_awaitable);
  co_await mismatched.receiver.async_stop(asio::use_awaitable);

  snapshot_pair removed(ctx);
  removed.receiver_raft.removed.insert(1);
  ec = std::get<0>(co_await removed.sender.async_send_snapshot(
      snapshot_message(msnap(2), std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK(ec == errc::member_removed);
  // (Its stream dials get 410 too: each is reported, as etcd's ErrorC gets them.)
  REQUIRE_FALSE(removed.sender_raft.critical_errors.empty());
  for (const auto& e : removed.sender_raft.critical_errors) CHECK(e == errc::member_removed);
  co_await removed.sender.async_stop(asio::use_awaitable);
  co_await removed.receiver.async_stop(asio::use_awaitable);
}
