// Snapshots end to end, through two transports: a DB arrives as etcd's file,
// several at once, and either end stopping mid-transfer. The parts have their
// own tests beside their headers (tests/snapshot/).
#include <rafthttp/snapshot.hpp>

#include "support/snapshots.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace rafthttp::test;
using namespace std::chrono_literals;

CORO_TEST_CASE("a snapshot arrives as etcd's file, saved before raft sees the MsgSnap") {
  snapshot_pair p(ctx);
  const auto db = db_bytes(3 * 1024 * 1024 + 17);
  const auto m = msnap(42);
  const auto ec = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(m, std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(p.dir.files() == std::vector<std::string>{"000000000000002a.snap.db"});
  CHECK(read_file(p.dir.path / "000000000000002a.snap.db") == db);
  REQUIRE(p.receiver_raft.processed.size() == 1);
  CHECK(p.receiver_raft.processed[0] == m);
  REQUIRE(p.sender_raft.snapshot_reports.size() == 1);
  CHECK(p.sender_raft.snapshot_reports[0] == std::pair{member_id{2}, snapshot_status::finish});
  CHECK(p.sender.find_peer(2)->status().active());
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("a receiver stopped mid-transfer; a sender stopped mid-transfer") {
  snapshot_pair p(ctx);
  const auto db = db_bytes(64 * 1024 * 1024);
  std::optional<std::error_code> outcome;
  p.sender.send_snapshot(snapshot_message(msnap(9), std::make_unique<memory_db_source>(as_bytes(db)), db.size(),
                                          [&](std::error_code ec) { outcome = ec; }));
  CO_WAIT_UNTIL(!p.dir.files().empty());  // the temp file exists: mid-transfer
  co_await p.receiver.async_stop(asio::use_awaitable);
  CO_WAIT_UNTIL(outcome);
  CHECK(*outcome);
  CHECK(p.sender_raft.snapshot_reports.back().second == snapshot_status::failure);
  CO_WAIT_UNTIL(p.dir.files().empty());  // the temp file is gone; no .snap.db appeared

  snapshot_pair q(ctx);
  outcome.reset();
  q.sender.send_snapshot(snapshot_message(msnap(9), std::make_unique<memory_db_source>(as_bytes(db)), db.size(),
                                          [&](std::error_code ec) { outcome = ec; }));
  CO_WAIT_UNTIL(!q.dir.files().empty());
  q.sender.stop();
  CO_WAIT_UNTIL(outcome);
  CHECK(*outcome == errc::stopped);
  co_await q.sender.async_stop(asio::use_awaitable);
  co_await q.receiver.async_stop(asio::use_awaitable);
  CHECK(q.receiver_raft.processed.empty());
}

CORO_TEST_CASE("several snapshots to different peers at once") {
  scratch_dir dir2, dir3;
  test::recording_raft raft1, raft2, raft3;
  file_snapshotter s1(fs::temp_directory_path()), s2(dir2.path), s3(dir3.path);
  snapshot_transport t1(ctx.get_executor(), raft1, s1, member_options(1));
  snapshot_transport t2(ctx.get_executor(), raft2, s2, member_options(2));
  snapshot_transport t3(ctx.get_executor(), raft3, s3, member_options(3));
  REQUIRE_FALSE(t2.listen(test::loopback()));
  REQUIRE_FALSE(t3.listen(test::loopback()));
  t1.add_peer(2, test::url_of(t2.local_endpoint()));
  t1.add_peer(3, test::url_of(t3.local_endpoint()));
  const auto db = db_bytes(4 * 1024 * 1024);
  int done = 0;
  for (member_id to : {2, 3})
    t1.send_snapshot(snapshot_message(msnap(20 + to, to), std::make_unique<memory_db_source>(as_bytes(db)),
                                      db.size(), [&](std::error_code ec) { done += !ec; }));
  CO_WAIT_UNTIL(done >= 2);
  CHECK(read_file(dir2.path / "0000000000000016.snap.db") == db);
  CHECK(read_file(dir3.path / "0000000000000017.snap.db") == db);
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
  co_await t3.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("cancelling async_stop ends the wait only; the transport still stops") {
  snapshot_pair p(ctx);
  auto source = std::make_unique<gated_source>(ctx, 1024 * 1024);
  auto& gate = *source;
  std::optional<std::error_code> sent;
  p.sender.send_snapshot(snapshot_message(msnap(9), std::move(source), 64 * 1024 * 1024,
                                          [&](std::error_code ec) { sent = ec; }));
  CO_WAIT_UNTIL(gate.waiting);  // mid-transfer, the sender waits for its source
  asio::cancellation_signal cancel;
  std::optional<std::error_code> stopped;
  p.sender.async_stop(asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec) { stopped = ec; }));
  co_await test::elapse(ctx, 20ms);
  REQUIRE_FALSE(stopped);  // the snapshot sender still runs: the stop waits for it
  CHECK(p.sender.running_tasks() > 0);
  cancel.emit(asio::cancellation_type::terminal);
  CO_WAIT_UNTIL(stopped);
  CHECK(*stopped == asio::error::operation_aborted);
  CHECK(p.sender.running_tasks() > 0);
  CHECK(p.sender.send(msnap(10)) == errc::stopped);
  gate.open = true;
  gate.gate.notify();
  CO_WAIT_UNTIL(sent);
  CHECK(*sent == errc::stopped);
  const auto [ec] = co_await p.sender.async_stop(test::use_tuple);
  CHECK_FALSE(ec);
  CHECK(p.sender.running_tasks() == 0);
  co_await p.receiver.async_stop(asio::use_awaitable);
}
