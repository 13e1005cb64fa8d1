#include <rafthttp/policy.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;

namespace {

struct plain_raft {
  int processed = 0;
  void process(const message&) { ++processed; }
  bool is_id_removed(member_id) const { return false; }
  void report_unreachable(member_id) {}
  void report_snapshot(member_id, snapshot_status) {}
};

struct erroring_raft : plain_raft {
  std::error_code process(message&) { return errc::member_removed; }
};

struct awaitable_raft : plain_raft {
  asio::awaitable<std::error_code> process(message m) {
    processed += m.type == message_type::MsgApp;
    co_return std::error_code{};
  }
};

struct not_a_raft {
  void process(message&) {}
};

struct snapshotter {
  asio::awaitable<std::error_code> save_db(const message&, db_reader&) { co_return std::error_code{}; }
};

}  // namespace

static_assert(raft_policy<plain_raft>);
static_assert(raft_policy<erroring_raft>);
static_assert(raft_policy<awaitable_raft>);
static_assert(!raft_policy<not_a_raft>);
static_assert(snapshotter_policy<snapshotter>);
static_assert(!snapshotter_policy<plain_raft>);

TEST_CASE("plain and erroring policies are called through the erased callbacks") {
  plain_raft plain;
  auto callbacks = detail::make_raft_callbacks(plain);
  CHECK(callbacks.synchronous());
  message m;
  CHECK_FALSE(callbacks.process_now(m));
  CHECK(plain.processed == 1);
  erroring_raft erroring;
  auto erroring_callbacks = detail::make_raft_callbacks(erroring);
  CHECK(erroring_callbacks.process_now(m) == errc::member_removed);
  const bool has_critical_hook = erroring_callbacks.critical_error_fn != nullptr;
  CHECK_FALSE(has_critical_hook);
  awaitable_raft awaiting;
  CHECK_FALSE(detail::make_raft_callbacks(awaiting).synchronous());
}
