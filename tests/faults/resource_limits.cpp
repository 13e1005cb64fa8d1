// What an unauthenticated client or the operating system can exhaust: file
// descriptors (the accept loop backs off instead of spinning).
#include "faults/common.hpp"

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
  co_await t.async_stop();
}
