// One thread runs every peer, so a call that blocks it stalls them all: the
// snapshot's disk work and the DNS lookups of client certificates' names run
// off the event loop. Each test makes one of them slow and watches a 5 ms
// ticker on the loop: it must never run more than 100 ms late. (Go blocks only
// the goroutine doing it.)
#include "faults/common.hpp"
#include "support/tls_fixture.hpp"

#include <rafthttp/snapshot.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace rafthttp;
using namespace rafthttp::test::faults;
using rafthttp::test::recording_raft;
namespace tls_fixture = rafthttp::test::tls_fixture;
namespace fs = std::filesystem;

namespace {

// A ticker on the event loop that notes how late it ran at worst.
class loop_lag {
 public:
  explicit loop_lag(asio::io_context& ctx) {
    asio::co_spawn(ctx, tick(ctx, state_), asio::detached);
  }
  loop_lag(const loop_lag&) = delete;
  ~loop_lag() { state_->done = true; }

  [[nodiscard]] http::clock::duration worst() const { return state_->worst; }

 private:
  struct state {
    bool done = false;
    http::clock::duration worst{0};
  };
  static asio::awaitable<void> tick(asio::io_context& ctx, std::shared_ptr<state> s) {
    asio::steady_timer timer(ctx);
    while (!s->done) {
      const auto due = http::clock::now() + 5ms;
      timer.expires_at(due);
      co_await timer.async_wait(asio::use_awaitable);
      s->worst = std::max(s->worst, http::clock::now() - due);
    }
  }
  std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace

// A slow disk (each fsync takes 400 ms here) delays the snapshot, not the
// event loop: the file work runs on the snapshotter's own thread.
CORO_TEST_CASE("blocking calls: writing and fsyncing a received snapshot does not stall the event loop") {
  tls_fixture::scratch dir;
  int slow_fsyncs = 0;
  file_snapshotter slow_disk(dir.path, [&slow_fsyncs](std::string_view operation) {
    if (operation != "fsync") return;
    ++slow_fsyncs;  // (only the I/O thread touches it until the save ends)
    std::this_thread::sleep_for(400ms);
  });
  recording_raft sender_raft, receiver_raft;
  file_snapshotter sender_snaps(fs::temp_directory_path());
  transport<recording_raft, file_snapshotter> receiver(ctx.get_executor(), receiver_raft, slow_disk, fast_options(2));
  REQUIRE_FALSE(receiver.listen(loopback()));
  transport<recording_raft, file_snapshotter> sender(ctx.get_executor(), sender_raft, sender_snaps, fast_options(1));
  sender.add_peer(2, url_of(receiver.local_endpoint()));

  message msnap;
  msnap.type = message_type::MsgSnap;
  msnap.from = 1;
  msnap.to = 2;
  msnap.snapshot.metadata.index = 77;
  const std::string db(4 * 1024 * 1024, 'd');
  const loop_lag lag(ctx);
  const auto start = http::clock::now();
  const auto ec = std::get<0>(co_await sender.async_send_snapshot(snapshot_message(
      msnap, std::make_unique<memory_db_source>(std::span(reinterpret_cast<const std::uint8_t*>(db.data()), db.size())),
      db.size()), test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(slow_fsyncs == 2);  // the file, then the directory
  CHECK(http::clock::now() - start >= 800ms);
  CHECK(lag.worst() < 100ms);
  CHECK(fs::file_size(dir.path / "000000000000004d.snap.db") == db.size());
  co_await sender.async_stop(asio::use_awaitable);
  co_await receiver.async_stop(asio::use_awaitable);
}

// A name that resolves slowly (300 ms here, through tls_options::resolve_name;
// the system's resolver runs on Asio's resolver thread) delays that
// handshake only.
CORO_TEST_CASE("blocking calls: a slow DNS lookup of a client certificate's SAN does not stall the event loop") {
  tls_fixture::scratch s;
  test::test_ca ca(s.path, "ca");
  auto server_options = tls_fixture::mutual(ca, ca.issue("server", tls_fixture::peer_request("server")));
  server_options.resolve_name = [&ctx](std::string name) -> asio::awaitable<std::vector<asio::ip::address>> {
    asio::steady_timer slow(ctx, 300ms);
    co_await slow.async_wait(asio::use_awaitable);
    co_return co_await tls_fixture::test_names(std::move(name));
  };
  tls_fixture::tls_server srv(ctx, server_options);
  auto named = tls_fixture::peer_request("named");
  named.ips.clear();
  named.dns = {"member.test"};
  const loop_lag lag(ctx);
  const auto start = http::clock::now();
  CHECK_FALSE(co_await tls_fixture::get_ok(ctx, srv.url(), tls_fixture::mutual(ca, ca.issue("named", named))));
  CHECK(http::clock::now() - start >= 300ms);
  CHECK(lag.worst() < 100ms);
}
