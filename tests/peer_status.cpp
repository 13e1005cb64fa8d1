#include <rafthttp/peer_status.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace rafthttp;

TEST_CASE("status changes only on transitions, with since set while active") {
  std::vector<std::string> logged;
  const detail::logger log(
      [&](log_level, std::string_view message, std::span<const log_field>) { logged.emplace_back(message); },
      log_level::info);
  const std::string local_id = "1";
  network_metrics metrics;
  peer_status status(log, local_id, metrics, 2);
  CHECK_FALSE(status.active());
  CHECK(status.since() == peer_status::time_point{});
  status.deactivate("nothing yet");
  CHECK(logged.empty());
  status.activate();
  const auto since = status.since();
  CHECK(status.active());
  CHECK(since != peer_status::time_point{});
  status.activate();
  CHECK(status.since() == since);
  status.deactivate("failed to dial");
  CHECK(status.since() == peer_status::time_point{});
  CHECK(logged == std::vector<std::string>{"peer became active", "peer became inactive (message send to peer failed)"});
  CHECK(metrics.active_peers.with({"1", "2"}).value() == 0);
  CHECK(metrics.disconnected_peers.with({"1", "2"}).value() == 1);
}
