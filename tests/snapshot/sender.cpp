// The snapshot sender. Go: TestSnapshotSend (success, DB reader error, DB
// shorter and longer than declared); the envelope limit of 3.6 and 3.7, the
// URL picker, the bandwidth limit, and cancellation; a DB from a file sent by
// sendfile (the same, through that path).
#include <rafthttp/snapshot/sender.hpp>

#include "support/certs.hpp"
#include "support/snapshots.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include <fcntl.h>
#include <unistd.h>

using namespace rafthttp;
using namespace rafthttp::test;
using namespace std::chrono_literals;

namespace {

// Each of `n` snapshots sent to member 2 failed as etcd's would: raft heard
// of a failure and of an unreachable peer for each (as for a failed write),
// the receiver handed nothing to raft and removed each cut body's temp file.
asio::awaitable<void> expect_failed_snapshots(snapshot_pair& p, std::size_t n) {
  CO_WAIT_UNTIL(p.dir.files().empty());
  CHECK(p.receiver_raft.processed.empty());
  REQUIRE(p.sender_raft.snapshot_reports.size() == n);
  for (const auto& r : p.sender_raft.snapshot_reports) CHECK(r.second == snapshot_status::failure);
  CHECK(p.sender_raft.unreachable[2] == n);
}

}  // namespace

CORO_TEST_CASE("a DB source that fails, is shorter or longer than declared: failure, no file") {
  snapshot_pair p(ctx);
  const auto db = db_bytes(1000);
  auto failing = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(1), std::make_unique<failing_source>(600 * 1024), 2 * 1024 * 1024), test::use_tuple));
  auto shorter = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(2), std::make_unique<memory_db_source>(as_bytes(db)), db.size() + 1), test::use_tuple));
  auto longer = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(3), std::make_unique<memory_db_source>(as_bytes(db)), db.size() - 1), test::use_tuple));
  CHECK(failing == errc::snapshot_source_failed);
  CHECK(shorter == errc::snapshot_source_failed);
  CHECK(longer == errc::snapshot_source_failed);
  co_await expect_failed_snapshots(p, 3);
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("an envelope above the profile's limit is never sent: failure reported, nothing posted") {
  // etcd 3.6.14 and 3.7.1 refuse a MsgSnap envelope above 64 MiB with a 400,
  // after it came: the sender stops it before the first byte. (A smaller
  // limit here keeps the test light; the default is the profile's.)
  snapshot_pair p(ctx);
  auto o = member_options(1);
  o.max_snapshot_envelope_bytes = 4 * kib;
  test::recording_raft raft;
  file_snapshotter snaps{fs::temp_directory_path()};
  snapshot_transport sender(ctx.get_executor(), raft, snaps, o);
  sender.add_peer(2, test::url_of(p.receiver.local_endpoint()));
  auto big = msnap(7);
  big.snapshot.data = std::string(5000, 'v');
  const auto db = db_bytes(100);
  const auto ec = std::get<0>(co_await sender.async_send_snapshot(
      snapshot_message(big, std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK(ec == codec::errc::frame_too_large);
  REQUIRE(raft.snapshot_reports.size() == 1);
  CHECK(raft.snapshot_reports[0] == std::pair{member_id{2}, snapshot_status::failure});
  CHECK(raft.unreachable.empty());  // the peer is fine; the snapshot is not
  CHECK(p.receiver.render_metrics().find("etcd_network_snapshot_receive_success") == std::string::npos);
  CHECK(p.dir.files().empty());
  const auto small = msnap(8);
  CHECK_FALSE(std::get<0>(co_await sender.async_send_snapshot(
      snapshot_message(small, std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple)));
  CHECK(p.dir.files() == std::vector<std::string>{"0000000000000008.snap.db"});
  co_await sender.async_stop(asio::use_awaitable);
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

// Go's snapshotSender marks a URL whose POST failed unreachable, so that the
// next snapshot goes to the member's next URL. The member's first URL here
// serves its streams (which so never move the picker) but fails snapshots.

CORO_TEST_CASE("a failed snapshot POST moves the sender on to the member's next URL") {
  detail::notifier never(ctx.get_executor());
  http::router first_routes;
  first_routes.mount("/raft/stream/", [&](http::exchange& ex) -> asio::awaitable<void> {
    http::fields headers;
    headers.add("X-Server-Version", std::string(profile_of(newest_etcd_version).server_version));
    (void)co_await ex.start_chunked(200, headers);
    co_await never.wait();
  });
  int first_snapshots = 0;
  first_routes.mount("/raft/snapshot", [&](http::exchange& ex) -> asio::awaitable<void> {
    ++first_snapshots;
    (void)co_await ex.respond_error(500, "broken");
  });
  http::server first(ctx.get_executor(), first_routes);
  REQUIRE_FALSE(first.listen({asio::ip::make_address("127.0.0.1"), 0}));

  scratch_dir dir;
  test::recording_raft receiver_raft, sender_raft;
  file_snapshotter receiver_snaps(dir.path), sender_snaps(fs::temp_directory_path());
  snapshot_transport receiver(ctx.get_executor(), receiver_raft, receiver_snaps, member_options(2));
  REQUIRE_FALSE(receiver.listen({asio::ip::make_address("127.0.0.2"), 0}));  // sorts after 127.0.0.1
  snapshot_transport sender(ctx.get_executor(), sender_raft, sender_snaps, member_options(1));
  const auto urls = *url_list::parse("http://127.0.0.1:" + std::to_string(first.local_endpoint().port()) +
                                     ",http://127.0.0.2:" + std::to_string(receiver.local_endpoint().port()));
  sender.add_peer(2, urls);
  CO_WAIT_UNTIL(sender.find_peer(2)->reader_attached(stream_type::message));

  const auto db = db_bytes(1000);
  const auto failed = std::get<0>(co_await sender.async_send_snapshot(
      snapshot_message(msnap(5), std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK(failed);
  CHECK(first_snapshots == 1);
  const auto ec = std::get<0>(co_await sender.async_send_snapshot(
      snapshot_message(msnap(6), std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(first_snapshots == 1);
  CHECK(dir.files() == std::vector<std::string>{"0000000000000006.snap.db"});
  never.notify();
  co_await sender.async_stop(asio::use_awaitable);
  co_await receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("to an unknown peer: completion fails, raft hears nothing") {
  snapshot_pair p(ctx);
  const auto db = db_bytes(10);
  const auto ec = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(1, 9), std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK(ec == errc::unknown_peer);
  CHECK(p.sender_raft.snapshot_reports.empty());
  CHECK(p.sender_raft.unreachable.empty());
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("the bandwidth limit paces sending") {
  snapshot_pair p(ctx);
  p.sender.stop();
  auto limited = member_options(1);
  limited.snapshot_bytes_per_second = 4 * 1024 * 1024;
  test::recording_raft raft;
  file_snapshotter unused(fs::temp_directory_path());
  snapshot_transport sender(ctx.get_executor(), raft, unused, limited);
  sender.add_peer(2, test::url_of(p.receiver.local_endpoint()));
  const auto db = db_bytes(2 * 1024 * 1024);
  const auto start = http::clock::now();
  const auto ec = std::get<0>(co_await sender.async_send_snapshot(
      snapshot_message(msnap(11), std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(http::clock::now() - start >= 450ms);  // 2 MiB at 4 MiB/s
  co_await sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("cancelling async_send_snapshot mid-transfer: aborted, raft hears of a failure, no file stays") {
  snapshot_pair p(ctx);
  const auto db = db_bytes(64 * 1024 * 1024);
  asio::cancellation_signal cancel;
  std::optional<std::error_code> outcome;
  p.sender.async_send_snapshot(
      snapshot_message(msnap(9), std::make_unique<memory_db_source>(as_bytes(db)), db.size()),
      asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec) { outcome = ec; }));
  CO_WAIT_UNTIL(!p.dir.files().empty());  // the receiver's temp file exists: mid-transfer
  cancel.emit(asio::cancellation_type::terminal);
  CO_WAIT_UNTIL(outcome);
  CHECK(*outcome == asio::error::operation_aborted);
  REQUIRE(p.sender_raft.snapshot_reports.size() == 1);
  CHECK(p.sender_raft.snapshot_reports[0] == std::pair{member_id{2}, snapshot_status::failure});
  CHECK(p.sender_raft.unreachable.empty());  // the user ended it, not the network
  CO_WAIT_UNTIL(p.dir.files().empty());  // the temp file is gone; no .snap.db appeared
  CHECK(p.receiver_raft.processed.empty());
  // The peer stays usable: the next snapshot goes through.
  const auto small = db_bytes(1000);
  const auto ec = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(10), std::make_unique<memory_db_source>(as_bytes(small)), small.size()), test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(p.dir.files() == std::vector<std::string>{"000000000000000a.snap.db"});
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("async_send_snapshot cancelled at once: the dial is abandoned, nothing reaches the receiver") {
  snapshot_pair p(ctx);
  const auto db = db_bytes(1000);
  asio::cancellation_signal cancel;
  std::optional<std::error_code> outcome, user;
  p.sender.async_send_snapshot(snapshot_message(msnap(9), std::make_unique<memory_db_source>(as_bytes(db)),
                                                db.size(), [&](std::error_code ec) { user = ec; }),
                               asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec) { outcome = ec; }));
  cancel.emit(asio::cancellation_type::terminal);
  CHECK_FALSE(outcome);  // never completed inline
  CO_WAIT_UNTIL(outcome && user);
  CHECK(*outcome == asio::error::operation_aborted);
  CHECK(*user == asio::error::operation_aborted);  // on_done hears the same
  REQUIRE(p.sender_raft.snapshot_reports.size() == 1);
  CHECK(p.sender_raft.snapshot_reports[0].second == snapshot_status::failure);
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
  CHECK(p.receiver_raft.processed.empty());
  CHECK(p.dir.files().empty());
}

// ------------------------------------------------------- a DB from a file --
// On a plain connection, a source whose bytes are a file's (as_file) is sent
// by sendfile (snapshot/sendfile.hpp). sendfile_only_source proves it: its
// bytes are a file's, its read_some fails, so a snapshot of it that arrives
// whole went by sendfile.

namespace {

class sendfile_only_source final : public db_source {
 public:
  // The file's bytes as a range of `claimed` bytes (which may be more than
  // the file has).
  sendfile_only_source(const fs::path& path, std::uint64_t claimed)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), claimed_(claimed) {
    REQUIRE(fd_ >= 0);
  }
  ~sendfile_only_source() override { ::close(fd_); }
  sendfile_only_source(const sendfile_only_source&) = delete;

  asio::awaitable<read_result> read_some(std::span<std::uint8_t>) override {
    co_return read_result(std::make_error_code(std::errc::io_error), 0);
  }
  std::optional<file_range> as_file() override { return file_range(fd_, 0, claimed_); }

 private:
  int fd_;
  std::uint64_t claimed_;
};

fs::path write_db(const scratch_dir& dir, const std::string& bytes) {
  const auto path = dir.path / ("db-" + std::to_string(bytes.size()));
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string snap_db_name(std::uint64_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.snap.db", static_cast<unsigned long long>(index));
  return name;
}

constexpr std::size_t chunk = detail::snapshot_sender::chunk_bytes;

}  // namespace

CORO_TEST_CASE("a file DB goes by sendfile on a plain connection: the receiver saves the file's bytes, of every size") {
  snapshot_pair p(ctx);
  scratch_dir source_dir;
  std::uint64_t index = 20;
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, chunk, chunk + 1, 5 * chunk + 3}) {
    CAPTURE(size);
    const auto db = db_bytes(size);
    const auto path = write_db(source_dir, db);
    ++index;
    const auto ec = std::get<0>(co_await p.sender.async_send_snapshot(
        snapshot_message(msnap(index), std::make_unique<sendfile_only_source>(path, size), size), test::use_tuple));
    CHECK_FALSE(ec);
    CHECK(read_file(p.dir.path / snap_db_name(index)) == db);
  }
  // file_db_source says where its bytes are: the same way (with read-ahead
  // from its thread past the first 4 MiB).
  const auto db = db_bytes(20 * chunk + 11);
  const auto ec = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(40), std::make_unique<file_db_source>(write_db(source_dir, db)), db.size()),
      test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(read_file(p.dir.path / snap_db_name(40)) == db);
  CHECK(p.receiver_raft.processed.size() == 6);
  CHECK(p.sender_raft.snapshot_reports.size() == 6);
  for (const auto& r : p.sender_raft.snapshot_reports) CHECK(r.second == snapshot_status::finish);
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("a file DB shorter or longer than declared, or ending inside its range: failure, nothing kept") {
  snapshot_pair p(ctx);
  scratch_dir source_dir;
  const auto db = db_bytes(2 * chunk + 5);
  const auto path = write_db(source_dir, db);
  auto shorter = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(1), std::make_unique<file_db_source>(path), db.size() + 1), test::use_tuple));
  auto longer = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(2), std::make_unique<file_db_source>(path), db.size() - 1), test::use_tuple));
  // A range that says 3 chunks of a file of 2 and a bit (a file cut while
  // it is sent): sendfile finds its end inside the third chunk.
  auto cut = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(3), std::make_unique<sendfile_only_source>(path, 3 * chunk), 3 * chunk),
      test::use_tuple));
  CHECK(shorter == errc::snapshot_source_failed);
  CHECK(longer == errc::snapshot_source_failed);
  CHECK(cut == errc::snapshot_source_failed);
  co_await expect_failed_snapshots(p, 3);
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("a sendfile that fails: the snapshot fails with its errno, reported to raft as a failed write") {
  snapshot_pair p(ctx);
  scratch_dir source_dir;
  const auto path = write_db(source_dir, db_bytes(1000));
  // A range whose descriptor sendfile cannot read from: EBADF.
  class unreadable_file_source final : public db_source {
   public:
    explicit unreadable_file_source(const fs::path& path) : fd_(::open(path.c_str(), O_WRONLY | O_CLOEXEC)) {}
    ~unreadable_file_source() override { ::close(fd_); }
    asio::awaitable<read_result> read_some(std::span<std::uint8_t>) override {
      co_return read_result(std::make_error_code(std::errc::io_error), 0);
    }
    std::optional<file_range> as_file() override { return file_range(fd_, 0, 1000); }

   private:
    int fd_;
  };
  const auto ec = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(4), std::make_unique<unreadable_file_source>(path), 1000), test::use_tuple));
  CHECK(ec == std::errc::bad_file_descriptor);
  REQUIRE(p.sender_raft.snapshot_reports.size() == 1);
  CHECK(p.sender_raft.snapshot_reports[0].second == snapshot_status::failure);
  CHECK(p.sender_raft.unreachable[2] == 1);
  CO_WAIT_UNTIL(p.dir.files().empty());
  CHECK(p.receiver_raft.processed.empty());
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("cancelling a snapshot sent by sendfile mid-transfer: aborted, raft hears of a failure, no file stays") {
  snapshot_pair p(ctx);
  scratch_dir source_dir;
  const auto db = db_bytes(64 * 1024 * 1024);
  const auto path = write_db(source_dir, db);
  asio::cancellation_signal cancel;
  std::optional<std::error_code> outcome;
  p.sender.async_send_snapshot(
      snapshot_message(msnap(9), std::make_unique<sendfile_only_source>(path, db.size()), db.size()),
      asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec) { outcome = ec; }));
  CO_WAIT_UNTIL(!p.dir.files().empty());  // the receiver's temp file exists: mid-transfer
  REQUIRE_FALSE(outcome);
  cancel.emit(asio::cancellation_type::terminal);
  CO_WAIT_UNTIL(outcome);
  CHECK(*outcome == asio::error::operation_aborted);
  REQUIRE(p.sender_raft.snapshot_reports.size() == 1);
  CHECK(p.sender_raft.snapshot_reports[0] == std::pair{member_id{2}, snapshot_status::failure});
  CHECK(p.sender_raft.unreachable.empty());  // the user ended it, not the network
  CO_WAIT_UNTIL(p.dir.files().empty());
  CHECK(p.receiver_raft.processed.empty());
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("over TLS a file DB is read and goes through TLS: sendfile would bypass the encryption") {
  scratch_dir dir("rafthttp-mtls-");
  test_ca ca(dir.path, "ca");
  recording_raft raft1, raft2;
  memory_snapshotter snaps1, snaps2;
  transport<recording_raft, memory_snapshotter> t1(ctx.get_executor(), raft1, snaps1, mutual_tls_member_options(ca, 1));
  transport<recording_raft, memory_snapshotter> t2(ctx.get_executor(), raft2, snaps2, mutual_tls_member_options(ca, 2));
  REQUIRE_FALSE(t2.listen(loopback(), true));
  t1.add_peer(2, *url_list::parse("https://127.0.0.1:" + std::to_string(t2.local_endpoint().port())));
  const auto db = db_bytes(3 * chunk + 7);
  const auto ec = std::get<0>(co_await t1.async_send_snapshot(
      snapshot_message(msnap(5), std::make_unique<file_db_source>(write_db(dir, db)), db.size()), test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(snaps2.dbs[5] == db);
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
}
