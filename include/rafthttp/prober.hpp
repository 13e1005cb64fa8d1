// Probing (doc/protocol.md 11): GET /raft/probing on each peer every 4 s, a
// smoothed round-trip time and the clock difference, and a monitor that logs
// an unhealthy peer or a drifting clock and records the smoothed RTT in
// etcd_network_peer_round_trip_time_seconds. Probing never affects delivery.
#pragma once

#include <rafthttp/detail/notifier.hpp>
#include <rafthttp/detail/peer_context.hpp>
#include <rafthttp/detail/rfc3339.hpp>
#include <rafthttp/http/client.hpp>


#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

namespace rafthttp {

struct probe_status {
  bool healthy = false;
  std::uint64_t total = 0;  // probes sent
  std::uint64_t loss = 0;   // probes failed
  std::chrono::nanoseconds srtt{0};              // 7/8 srtt + 1/8 rtt, from 0
  std::chrono::nanoseconds clock_difference{0};  // local now − remote Now − srtt/2
};

namespace detail {

// What Go's prober accepts: a JSON object with OK true and Now an RFC 3339
// time; names match case-insensitively, as Go's JSON decoding does.
struct probe_body {
  bool ok = false;
  std::optional<system_time> now;
};

inline std::size_t find_json_key(std::string_view body, std::string_view key) {
  for (std::size_t at = body.find('"'); at != std::string_view::npos; at = body.find('"', at + 1)) {
    const auto candidate = body.substr(at + 1, key.size());
    if (body.substr(at + 1 + key.size(), 1) == "\"" && http::iequals(candidate, key)) {
      auto colon = body.find_first_not_of(" \t\r\n", at + key.size() + 2);
      if (colon != std::string_view::npos && body[colon] == ':')
        return body.find_first_not_of(" \t\r\n", colon + 1);
    }
  }
  return std::string_view::npos;
}

[[nodiscard]] inline probe_body parse_probe_body(std::string_view body) {
  probe_body out;
  const auto ok = find_json_key(body, "OK");
  out.ok = ok != std::string_view::npos && body.substr(ok, 4) == "true";
  const auto now = find_json_key(body, "Now");
  if (now != std::string_view::npos && body[now] == '"') {
    const auto end = body.find('"', now + 1);
    if (end != std::string_view::npos) out.now = parse_rfc3339(body.substr(now + 1, end - now - 1));
  }
  return out;
}

}  // namespace detail

class prober {
 public:
  explicit prober(detail::peer_context& peer) : peer_(peer), wakeup_(peer.core->executor) {}

  // A prober that an exception ended starts again.
  void start(const std::shared_ptr<void>& keep_alive) {
    detail::spawn(peer_.core->executor, run(keep_alive), [this, keep_alive](std::exception_ptr e) {
      peer_.core->report_task_exception("prober", e);
      in_flight_ = nullptr;
      if (!peer_.stopped()) start(keep_alive);
    });
  }

  void stop() {
    if (in_flight_) in_flight_->close();
    wakeup_.notify();
  }

  // A URL update restarts the statistics (etcd re-registers its probers).
  void reset() { status_ = {}; }

  [[nodiscard]] const probe_status& status() const { return status_; }

 private:
  // Probes and monitor reports on their own schedules, as etcd's prober and
  // its monitor goroutine: the first report 5 s after the start whatever the
  // probes' timing, then every 30 s while healthy, 5 s while not.
  asio::awaitable<void> run([[maybe_unused]] std::shared_ptr<void> keep_alive) {
    auto running = peer_.core->tasks.track();
    const auto& options = peer_.core->options;
    auto next_probe = http::clock::now();
    auto next_report = next_probe + options.prober_error_interval;
    while (!peer_.stopped()) {
      const auto now = http::clock::now();
      if (now >= next_probe) {
        co_await probe();
        next_probe = http::clock::now() + options.prober_interval;
      } else if (now >= next_report) {
        report();
        next_report = now + (status_.healthy ? options.prober_monitor_interval : options.prober_error_interval);
      } else {
        co_await wakeup_.wait_until(std::min(next_probe, next_report));
      }
    }
  }

  asio::awaitable<void> probe() {
    auto& core = *peer_.core;
    const peer_url url = peer_.picker.urls()[url_index_ % peer_.picker.urls().size()];
    const auto client = core.client();
    http::outgoing_request request(url, http::request_head("GET", "/raft/probing"), {},
                                   core.options.client.max_error_body_bytes);
    request.head_deadline = http::deadline_after(core.options.client.read_timeout);
    request.in_flight = &in_flight_;
    const auto sent = http::clock::now();
    const auto [ec, response] = co_await http::round_trip(client, std::move(request));
    in_flight_ = nullptr;
    const auto rtt = http::clock::now() - sent;
    ++status_.total;
    const auto body = ec || response.status != 200 ? detail::probe_body{} : detail::parse_probe_body(response.body);
    if (!body.ok || !body.now) {
      ++status_.loss;
      status_.healthy = false;
      ++url_index_;  // stay on a URL until a probe on it fails
      co_return;
    }
    status_.healthy = true;
    status_.srtt = status_.srtt * 7 / 8 + std::chrono::duration_cast<std::chrono::nanoseconds>(rtt) / 8;
    status_.clock_difference = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now() - *body.now - status_.srtt / 2);
  }

  // etcd's monitorProbingStatus: the two checks are independent (a stale
  // clock difference is still reported), and the smoothed RTT is recorded
  // whatever the health. We report drift either way (etcd: only local ahead).
  void report() const {
    auto& core = *peer_.core;
    if (!status_.healthy) {
      core.log(log_level::warn, "prober detected unhealthy status",
               {{"remote-peer-id", peer_.id_text}, {"rtt", detail::go_duration_string(status_.srtt)}});
    }
    if (std::chrono::abs(status_.clock_difference) > core.options.clock_drift_threshold) {
      core.log(log_level::warn, "prober found high clock drift",
               {{"remote-peer-id", peer_.id_text},
                {"clock-drift", detail::go_duration_string(status_.clock_difference)},
                {"rtt", detail::go_duration_string(status_.srtt)}});
    }
    peer_.series.round_trip_time.observe(std::chrono::duration<double>(status_.srtt).count());
  }

  detail::peer_context& peer_;
  detail::notifier wakeup_;
  std::shared_ptr<http::connection> in_flight_;
  std::size_t url_index_ = 0;
  probe_status status_;
};

}  // namespace rafthttp
