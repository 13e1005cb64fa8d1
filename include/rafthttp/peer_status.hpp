// Whether a peer is reachable and since when (doc/protocol.md 10.1). etcd uses
// active_since for reconfiguration safety checks and leader transfer, so the
// status changes only on the events etcd changes it on. Each change is logged
// and counted in etcd_network_active_peers / _disconnected_peers_total.
#pragma once

#include <rafthttp/id.hpp>
#include <rafthttp/log.hpp>
#include <rafthttp/metrics/network.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace rafthttp {

class peer_status {
 public:
  using time_point = std::chrono::system_clock::time_point;

  // Logs to `log` as member `local_id` (both outlive the status), counts in `metrics`.
  peer_status(const detail::logger& log, const std::string& local_id, network_metrics& metrics, member_id id)
      : log_(log),
        local_id_(local_id),
        id_(id),
        active_peers_(metrics.active_peers.with({local_id, format_id(id)})),
        disconnected_peers_(metrics.disconnected_peers.with({local_id, format_id(id)})) {}

  void activate() {
    if (active_) return;
    active_ = true;
    since_ = std::chrono::system_clock::now();
    active_peers_.inc();
    log_(log_level::info, "peer became active",
              {{"local-member-id", local_id_}, {"peer-id", format_id(id_)}});
  }

  void deactivate(std::string_view reason) {
    if (!active_) {
      if (log_.enabled(log_level::debug))
        log_(log_level::debug, "peer deactivated again",
                  {{"peer-id", format_id(id_)}, {"error", std::string(reason)}});
      return;
    }
    active_ = false;
    since_ = {};
    active_peers_.dec();
    disconnected_peers_.inc();
    log_(log_level::warn, "peer became inactive (message send to peer failed)",
              {{"local-member-id", local_id_}, {"peer-id", format_id(id_)}, {"error", std::string(reason)}});
  }

  [[nodiscard]] bool active() const { return active_; }
  // The time it became active; the epoch (zero) while inactive.
  [[nodiscard]] time_point since() const { return since_; }

 private:
  const detail::logger& log_;
  const std::string& local_id_;
  member_id id_;
  gauge& active_peers_;        // {Local, Remote}
  counter& disconnected_peers_;  // {Local, Remote}
  bool active_ = false;
  time_point since_{};
};

}  // namespace rafthttp
