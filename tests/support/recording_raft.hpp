// Raft and Snapshotter policies for tests: they record what the transport
// hands them.
#pragma once

#include <rafthttp/policy.hpp>

#include <functional>
#include <map>
#include <set>
#include <vector>

namespace rafthttp::test {

struct recording_raft {
  std::vector<message> processed;
  std::set<member_id> removed;
  std::map<member_id, int> unreachable;
  std::vector<std::pair<member_id, snapshot_status>> snapshot_reports;
  std::vector<std::error_code> critical_errors;
  std::error_code fail_with;  // process returns this when set
  std::function<void(const message&)> on_process;  // runs for each processed message (e.g. to answer)

  std::error_code process(message& m) {
    if (removed.contains(m.from)) return errc::member_removed;
    if (fail_with) return fail_with;
    processed.push_back(m);
    if (on_process) on_process(processed.back());
    return {};
  }
  bool is_id_removed(member_id id) const { return removed.contains(id); }
  void report_unreachable(member_id id) { ++unreachable[id]; }
  void report_snapshot(member_id id, snapshot_status s) { snapshot_reports.emplace_back(id, s); }
  void on_critical_error(std::error_code ec) { critical_errors.push_back(ec); }
};

// Keeps DB bodies in memory.
struct memory_snapshotter {
  std::map<std::uint64_t, std::string> dbs;
  std::error_code fail_with;

  asio::awaitable<std::error_code> save_db(const message& m, db_reader& body) {
    std::string data;
    for (;;) {
      const auto [ec, piece] = co_await body.read_some();
      if (ec) co_return ec;
      if (piece.empty()) break;
      data.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    }
    if (fail_with) co_return fail_with;
    dbs[m.snapshot.metadata.index] = std::move(data);
    co_return std::error_code{};
  }
};

}  // namespace rafthttp::test
