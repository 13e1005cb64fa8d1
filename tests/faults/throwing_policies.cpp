// A bug in the user's code never wedges the transport (policy.hpp,
// "Exceptions"): each policy and hook throws, then the same traffic must flow,
// with no connection or coroutine left behind, the exception logged with its
// what() and counted. Go's member panics on the same bugs.
#include "faults/common.hpp"

#include <rafthttp/policy.hpp>

#include <stdexcept>

using namespace rafthttp;
using namespace rafthttp::test::faults;
using rafthttp::test::memory_snapshotter;
using rafthttp::test::recording_raft;

namespace {

struct bug : std::runtime_error {
  bug() : std::runtime_error("a bug in the policy") {}
};

// A Raft policy whose process is awaitable (so deliveries go through the
// per-peer receive queues) and throws for the messages it is told to.
struct awaitable_raft {
  std::vector<message> processed;
  std::set<std::uint64_t> throw_for;  // commit numbers (seq) to throw for
  std::map<member_id, int> unreachable;

  asio::awaitable<std::error_code> process(message& m) {
    if (throw_for.erase(m.commit) > 0) throw bug();
    processed.push_back(m);
    co_return std::error_code{};
  }
  bool is_id_removed(member_id) const { return false; }
  void report_unreachable(member_id id) { ++unreachable[id]; }
  void report_snapshot(member_id, snapshot_status) {}
};

bool logged_what(const recorded_log& log, std::string_view function) {
  return log.has("policy threw an exception", {{"function", std::string(function)}, {"error", "a bug in the policy"}});
}

}  // namespace

CORO_TEST_CASE("throwing policies: a process that throws loses its message; the streams go on delivering") {
  proxied_pair pair(ctx);
  CO_WAIT_UNTIL(pair.all_attached());
  pair.raft1.on_process = [](const message& m) {
    if (seq_of(m) == 3 || seq_of(m) == 7) throw bug();
  };
  for (const auto type : {stream_type::message, stream_type::msgapp}) {
    pair.send_two_to_one(type, 1, 10);
    pair.t2.flush();
  }
  // Every message reached process (the throwing ones too: they are recorded
  // before the hook throws), and the readers are still attached.
  CO_WAIT_UNTIL(pair.received_by_one(stream_type::message).size() == 10 &&
                pair.received_by_one(stream_type::msgapp).size() == 10);
  CHECK(strictly_increasing(pair.received_by_one(stream_type::message)));
  CHECK(strictly_increasing(pair.received_by_one(stream_type::msgapp)));
  CHECK(pair.t1.find_peer(2)->reader_attached(stream_type::message));
  CHECK(pair.t1.find_peer(2)->reader_attached(stream_type::msgapp));
  CHECK(pair.t1.policy_exceptions() == 4);
  CHECK(logged_what(pair.log1, "process"));
  CHECK(pair.log1.count("policy threw an exception") == 4);
  // Later traffic flows as before.
  pair.raft1.on_process = nullptr;
  pair.send_two_to_one(stream_type::message, 11, 5);
  CO_WAIT_UNTIL(pair.received_by_one(stream_type::message).size() == 15);
  CHECK(pair.t1.task_exceptions() == 0);
  co_await pair.stop();
  CHECK(pair.t1.running_tasks() == 0);
}

CORO_TEST_CASE("throwing policies: POST /raft answered 500 for each throw; no connection kept, the pipeline goes on") {
  recorded_log log1;
  auto o1 = fast_options(1);
  o1.log = log1.sink();
  recording_raft raft1, raft2;
  memory_snapshotter snaps1, snaps2;
  test_transport t1(ctx.get_executor(), raft1, snaps1, o1);
  test_transport t2(ctx.get_executor(), raft2, snaps2, fast_options(2));
  REQUIRE_FALSE(t1.listen(loopback()));
  t2.add_remote(1, url_of(t1.local_endpoint()));  // pipeline only
  int throws = 0;
  raft1.on_process = [&](const message&) {
    if (++throws <= 4) throw bug();
  };
  for (std::uint64_t seq = 1; seq <= 20; ++seq) REQUIRE_FALSE(t2.send(numbered(message_type::MsgHeartbeat, 2, 1, seq)));
  CO_WAIT_UNTIL(raft1.processed.size() == 20 && raft2.unreachable[1] == 4);  // each 500 reported by the sender
  CHECK(t1.policy_exceptions() == 4);
  CHECK(logged_what(log1, "process"));
  // The aborted connections are let go; the workers take the next messages.
  CO_WAIT_UNTIL(t1.server_connections() <= o1.pipeline_workers);
  for (std::uint64_t seq = 21; seq <= 30; ++seq) REQUIRE_FALSE(t2.send(numbered(message_type::MsgHeartbeat, 2, 1, seq)));
  CO_WAIT_UNTIL(raft1.processed.size() == 30);
  co_await t2.async_stop(asio::use_awaitable);
  co_await t1.async_stop(asio::use_awaitable);
  CHECK(t1.server_connections() == 0);
  CHECK(t1.running_tasks() == 0);
  CHECK(t2.running_tasks() == 0);
}

CORO_TEST_CASE("throwing policies: an awaitable process that throws; the receive queue keeps draining") {
  recorded_log log1;
  auto o1 = fast_options(1);
  o1.log = log1.sink();
  awaitable_raft raft1;
  raft1.throw_for = {2, 4};
  recording_raft raft2;
  memory_snapshotter snaps1, snaps2;
  transport<awaitable_raft, memory_snapshotter> t1(ctx.get_executor(), raft1, snaps1, o1);
  test_transport t2(ctx.get_executor(), raft2, snaps2, fast_options(2));
  REQUIRE_FALSE(t1.listen(loopback()));
  REQUIRE_FALSE(t2.listen(loopback()));
  t1.add_peer(2, url_of(t2.local_endpoint()));
  t2.add_peer(1, url_of(t1.local_endpoint()));
  CO_WAIT_UNTIL(t2.find_peer(1)->streams_attached(stream_type::message) &&
                t1.find_peer(2)->reader_attached(stream_type::message));
  for (std::uint64_t seq = 1; seq <= 10; ++seq) REQUIRE_FALSE(t2.send(numbered(message_type::MsgHeartbeat, 2, 1, seq)));
  CO_WAIT_UNTIL(raft1.processed.size() == 8);
  CHECK(t1.policy_exceptions() == 2);
  CHECK(logged_what(log1, "process"));
  for (std::uint64_t seq = 11; seq <= 15; ++seq) REQUIRE_FALSE(t2.send(numbered(message_type::MsgHeartbeat, 2, 1, seq)));
  CO_WAIT_UNTIL(raft1.processed.size() == 13);
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
  CHECK(t1.running_tasks() == 0);
}

CORO_TEST_CASE("throwing policies: save_db, is_id_removed, report_unreachable, on_done and the log sink") {
  // save_db throws: the POST is answered 500 and the sender told of the failure.
  struct throwing_snapshotter {
    bool throw_now = true;
    asio::awaitable<std::error_code> save_db(const message&, db_reader&) {
      if (throw_now) throw bug();
      co_return std::error_code{};
    }
  };
  recorded_log log1, log2;
  auto o1 = fast_options(1);
  o1.log = log1.sink();
  auto o2 = fast_options(2);
  // A log sink that throws at every line: the lines are lost, nothing else.
  o2.log = [](log_level, std::string_view, std::span<const log_field>) { throw bug(); };
  o2.min_log_level = log_level::debug;
  recording_raft raft1, raft2;
  throwing_snapshotter snaps1;
  memory_snapshotter snaps2;
  transport<recording_raft, throwing_snapshotter> t1(ctx.get_executor(), raft1, snaps1, o1);
  test_transport t2(ctx.get_executor(), raft2, snaps2, o2);
  REQUIRE_FALSE(t1.listen(loopback()));
  REQUIRE_FALSE(t2.listen(loopback()));
  t1.add_peer(2, url_of(t2.local_endpoint()));
  t2.add_peer(1, url_of(t1.local_endpoint()));
  CO_WAIT_UNTIL(t2.find_peer(1)->streams_attached(stream_type::message) &&
                t1.find_peer(2)->streams_attached(stream_type::message));
  CHECK(t2.policy_exceptions() > 0);  // its log lines so far

  message snap;
  snap.type = message_type::MsgSnap;
  snap.from = 2;
  snap.to = 1;
  snap.snapshot.metadata.index = 9;
  const std::string db(1000, 'd');
  const std::span<const std::uint8_t> db_bytes(reinterpret_cast<const std::uint8_t*>(db.data()), db.size());
  // on_done throws too: the transfer's outcome is still reported to raft.
  auto ec = std::get<0>(co_await t2.async_send_snapshot(snapshot_message(snap, std::make_unique<memory_db_source>(db_bytes), db.size()), test::use_tuple));
  CHECK(ec);
  CHECK(raft2.snapshot_reports.back() == std::pair{member_id{1}, snapshot_status::failure});
  CHECK(logged_what(log1, "save_db"));
  snaps1.throw_now = false;
  ec = std::get<0>(co_await t2.async_send_snapshot(snapshot_message(snap, std::make_unique<memory_db_source>(db_bytes), db.size()), test::use_tuple));
  CHECK_FALSE(ec);
  REQUIRE_FALSE(raft1.processed.empty());
  CHECK(raft1.processed.back().type == message_type::MsgSnap);

  // Streams and heartbeats still flow both ways.
  for (std::uint64_t seq = 1; seq <= 5; ++seq) REQUIRE_FALSE(t2.send(numbered(message_type::MsgHeartbeat, 2, 1, seq)));
  CO_WAIT_UNTIL(raft1.processed.size() == 6);
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
  CHECK(t1.running_tasks() == 0);
  CHECK(t2.running_tasks() == 0);
  CHECK(t1.server_connections() == 0);
}
