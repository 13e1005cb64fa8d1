// What an unauthenticated client or the operating system can exhaust: file
// descriptors (the accept loop backs off instead of spinning), and the
// remotes, coroutines and metric series that requests from made-up senders
// used to create without end.
#include "faults/common.hpp"
#include "support/fake_peer.hpp"

#include <asio/write.hpp>

#include <sys/resource.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

using namespace rafthttp;
using namespace rafthttp::test::faults;
using rafthttp::test::memory_snapshotter;
using rafthttp::test::recording_raft;
using rafthttp::http::use_tuple;
using rafthttp::test::elapse;
namespace heap = rafthttp::test::heap;

namespace {

// CPU time of this process.
std::chrono::nanoseconds process_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Takes every free file descriptor below a lowered soft limit but `spare`;
// gives everything back when it goes.
class descriptor_famine {
 public:
  explicit descriptor_famine(int spare) {
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 1024);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) held_.push_back(fd);
    REQUIRE(errno == EMFILE);
    for (int i = 0; i < spare; ++i) release_one();
  }
  descriptor_famine(const descriptor_famine&) = delete;
  ~descriptor_famine() { end(); }

  void end() {
    while (!held_.empty()) release_one();
    (void)setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  void release_one() {
    ::close(held_.back());
    held_.pop_back();
  }
  rlimit saved_{};
  std::vector<int> held_;
};

}  // namespace

// Go's net/http server sleeps 5 ms doubling to 1 s after such an accept
// error (and logs every retry); etcd inherits that.
CORO_TEST_CASE("out of file descriptors: accept backs off instead of spinning, logs once, serves again afterwards") {
  recorded_log log;
  auto o = fast_options(1);
  o.log = log.sink();
  recording_raft raft;
  memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, o);
  REQUIRE_FALSE(t.listen(loopback()));

  descriptor_famine famine(1);  // one descriptor left: the client's
  auto client = http::connection::make(ctx.get_executor());
  const auto endpoints = http::tcp::resolver::results_type::create(t.local_endpoint(), "", "");
  REQUIRE_FALSE(co_await client->connect(endpoints, http::deadline_after(2s)));  // queued by the kernel

  const auto cpu_before = process_cpu_time();
  co_await elapse(ctx, 1s);  // the accept loop meets EMFILE all this time
  const auto cpu = process_cpu_time() - cpu_before;
  CHECK(cpu < 100ms);  // a spinning loop burns the whole second
  CHECK(log.count("failed to accept connections; retrying with a growing backoff") == 1);

  famine.end();
  const std::string request = "GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE_FALSE(co_await client->write(asio::buffer(request), http::deadline_after(2s)));
  std::array<char, 256> answer{};
  auto [ec, n] = co_await client->socket().async_read_some(asio::buffer(answer), use_tuple);
  REQUIRE_FALSE(ec);
  CHECK(std::string_view(answer.data(), n).starts_with("HTTP/1.1 200 OK"));
  client->close();
  co_await t.async_stop(asio::use_awaitable);
}

namespace {

// A Raft policy that keeps no record of what it gets (the test's own memory
// must not grow with the flood): counts by sender kind.
struct counting_raft {
  std::uint64_t from_fakes = 0;
  std::uint64_t from_peer = 0;
  member_id peer = 0;
  std::error_code process(message& m) {
    ++(m.from == peer ? from_peer : from_fakes);
    return {};
  }
  bool is_id_removed(member_id) const { return false; }
  void report_unreachable(member_id) {}
  void report_snapshot(member_id, snapshot_status) {}
};

// POST /raft of a heartbeat from fake member `from` (who names itself a
// remote by its X-PeerURLs), to member 1 of cluster 7b.
std::string fake_post(member_id from) {
  message m = numbered(message_type::MsgHeartbeat, from, 1, 1);
  const auto body = raftpb::encode(m);
  return "POST /raft HTTP/1.1\r\nHost: x\r\nX-Server-From: " + format_id(from) +
         "\r\nX-Server-Version: 3.7.4\r\nX-Min-Cluster-Version: 3.0.0\r\nX-Etcd-Cluster-ID: 7b\r\n"
         "X-PeerURLs: http://127.0.0.1:1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body.begin(), body.end());
}

// Sends `count` such POSTs from ids first, first+1, ... over one keep-alive
// connection, `batch` at a time, and waits for their answers; the 204s.
asio::awaitable<std::size_t> flood(asio::io_context& ctx, http::tcp::endpoint to, member_id first, std::size_t count,
                                   std::size_t batch) {
  http::tcp::socket socket(ctx);
  co_await socket.async_connect(to, asio::use_awaitable);
  std::size_t answered = 0;
  std::string requests, received;
  std::array<char, 64 * 1024> buffer{};
  for (std::size_t sent = 0; sent < count;) {
    requests.clear();
    const std::size_t n = std::min(batch, count - sent);
    for (std::size_t i = 0; i < n; ++i) requests += fake_post(first + sent + i);
    co_await asio::async_write(socket, asio::buffer(requests), asio::use_awaitable);
    sent += n;
    // Every answer is a 204 without a body: count their heads.
    for (std::size_t heads = 0; heads < n;) {
      auto [ec, got] = co_await socket.async_read_some(asio::buffer(buffer), use_tuple);
      if (ec) co_return answered;
      received.append(buffer.data(), got);
      for (std::size_t at; (at = received.find("\r\n\r\n")) != std::string::npos;) {
        if (received.starts_with("HTTP/1.1 204")) ++answered;
        received.erase(0, at + 4);
        ++heads;
      }
    }
  }
  co_return answered;
}

}  // namespace

// etcd adds a remote, with its pipeline and metric series, for every unknown
// sender that names its URLs: 2,000 such POSTs made 2,000 remotes, 8,000 idle
// coroutines and 114 KB of /metrics. Ours keep a bounded number of remotes,
// start no coroutine for an idle one, and bound the series a request can name.
CORO_TEST_CASE_WITHIN("100,000 fake senders: remotes, coroutines, memory and /metrics stay bounded; real members keep working",
                      std::chrono::seconds(120)) {
  recorded_log log;
  auto o = fast_options(1);
  o.log = log.sink();
  counting_raft raft1;
  raft1.peer = 2;
  memory_snapshotter snaps1;
  transport<counting_raft, memory_snapshotter> t1(ctx.get_executor(), raft1, snaps1, o);
  REQUIRE_FALSE(t1.listen(loopback()));
  recording_raft raft2;
  memory_snapshotter snaps2;
  test_transport t2(ctx.get_executor(), raft2, snaps2, fast_options(2));
  REQUIRE_FALSE(t2.listen(loopback()));
  t1.add_peer(2, url_of(t2.local_endpoint()));
  t2.add_peer(1, url_of(t1.local_endpoint()));
  test::recording_server remote3(ctx);
  t1.add_remote(3, remote3.url());  // a real remote, added by the user
  CO_WAIT_UNTIL(t2.find_peer(1)->streams_attached(stream_type::message) &&
                t1.find_peer(2)->streams_attached(stream_type::message));
  // The prober's first round trip to member 2 adds its histogram to /metrics:
  // a series no request chose, which must not land inside the measurement (it
  // did on a sanitized build, where the floods take seconds).
  CO_WAIT_UNTIL(t1.render_metrics().find("etcd_network_peer_round_trip_time_seconds_count{To=\"2\"}") !=
                std::string::npos);
  const auto tasks_before = t1.running_tasks();

  // A first flood, then the measurement: what a second flood of new ids adds.
  CHECK(co_await flood(ctx, t1.local_endpoint(), 0x1000000, 2'000, 500) == 2'000);
  const auto mark = heap::mark();
  // /metrics as series (lines): their values grow with the flood, their number must not.
  auto series_lines = [&t1] { return std::ranges::count(t1.render_metrics(), '\n'); };
  const auto metrics_before = series_lines();
  CHECK(co_await flood(ctx, t1.local_endpoint(), 0x2000000, 98'000, 1'000) == 98'000);
  CHECK(raft1.from_fakes == 100'000);

  if (heap::tracking()) CHECK(heap::growth_since(mark) < 4 * mib);
  CHECK(series_lines() == metrics_before);  // no new series past the bounds
  CHECK(t1.render_metrics().size() < 128 * kib);
  CHECK(t1.running_tasks() <= tasks_before + 1);  // the flood's own connection
  CHECK(log.count("not adding remotes from requests any more: max_remotes_from_requests reached") == 1);
  CHECK(t1.has_remote(0x1000000));
  CHECK_FALSE(t1.has_remote(0x2000000 + 97'999));

  // The real peer and the real remote still work.
  for (std::uint64_t seq = 1; seq <= 10; ++seq) REQUIRE_FALSE(t2.send(numbered(message_type::MsgHeartbeat, 2, 1, seq)));
  CO_WAIT_UNTIL(raft1.from_peer == 10);
  message to_remote = numbered(message_type::MsgAppResp, 1, 3, 1);
  REQUIRE_FALSE(t1.send(to_remote));
  CO_WAIT_UNTIL(remote3.received.size() == 1);
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
  CHECK(t1.running_tasks() == 0);
}
