// The thread-safety contract (transport.hpp): a transport lives on its
// executor's thread, and other threads reach it through post(). Producers on
// several threads send through post() while the io_context's own thread runs
// the traffic; built a second time with ThreadSanitizer (tests/meson.build).
#include <rafthttp/testing.hpp>

#include "support/recording_raft.hpp"

#include <doctest/doctest.h>

#include <asio/executor_work_guard.hpp>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

using namespace rafthttp;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t producers = 4;
constexpr std::uint64_t per_producer = 900;  // all of them fit etcd's 4096-message stream queue
constexpr std::uint64_t total = producers * per_producer;

// Records like recording_raft, and fulfils `all_arrived` with the last expected message.
struct counting_raft : test::recording_raft {
  std::promise<void> all_arrived;
  std::error_code process(message& m) {
    const auto ec = recording_raft::process(m);
    if (!ec && processed.size() == total) all_arrived.set_value();
    return ec;
  }
};

message heartbeat(std::uint64_t producer, std::uint64_t seq) {
  message m;
  m.type = message_type::MsgHeartbeat;
  m.to = 2;
  m.from = 1;
  m.term = 1;
  m.commit = producer * 1'000'000 + seq;  // who sent it, and in which order
  return m;
}

}  // namespace

TEST_CASE("sends posted from several threads all arrive, each thread's in its order") {
  asio::io_context io;
  testing::cluster<counting_raft, test::memory_snapshotter> c(io, 2);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  auto arrived = c.raft(2).all_arrived.get_future();

  // From here on the io_context runs on its own thread; the test thread and
  // the producers touch the transports only through post().
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  std::atomic<std::uint64_t> refused{0};
  std::vector<std::thread> threads;
  for (std::uint64_t p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      for (std::uint64_t seq = 0; seq < per_producer; ++seq)
        c.transport(1).post([&refused, m = heartbeat(p, seq)](auto& t) {
          if (t.send(m)) refused.fetch_add(1);  // an error: not queued
        });
    });
  for (auto& t : threads) t.join();
  const auto status = arrived.wait_for(20s);
  work.reset();
  io.stop();
  io_thread.join();

  REQUIRE(status == std::future_status::ready);
  CHECK(refused.load() == 0);
  const auto& got = c.raft(2).processed;
  REQUIRE(got.size() == total);
  std::vector<std::uint64_t> next(producers, 0);
  for (const auto& m : got) {
    const auto p = m.commit / 1'000'000;
    REQUIRE(p < producers);
    CHECK(m.commit % 1'000'000 == next[p]);
    next[p] = m.commit % 1'000'000 + 1;
  }
}
