// Whether a peer is reachable and since when (doc/protocol.md 10.1). etcd uses
// active_since for reconfiguration safety checks and leader transfer, so the
// status changes only on the events etcd changes it on. Each change is logged
// and counted in etcd_network_active_peers / _disconnected_peers_total.
#pragma once

#include <rafthttp/detail/core.hpp>
#include <rafthttp/id.hpp>

#include <chrono>
#include <string_view>

namespace rafthttp {

class peer_status {
 public:
  using time_point = std::chrono::system_clock::time_point;

  peer_status(detail::core& core, member_id id)
      : core_(core),
        id_(id),
        active_peers_(core.metrics.active_peers.with({core.local_id, format_id(id)})),
        disconnected_peers_(core.metrics.disconnected_peers.with({core.local_id, format_id(id)})) {}

  void activate() {
    if (active_) return;
    active_ = true;
    since_ = std::chrono::system_clock::now();
    active_peers_.inc();
    core_.log(log_level::info, "peer became active",
              {{"local-member-id", core_.local_id}, {"peer-id", format_id(id_)}});
  }

  void deactivate(std::string_view reason) {
    if (!active_) {
      if (core_.log.enabled(log_level::debug))
        core_.log(log_level::debug, "peer deactivated again",
                  {{"peer-id", format_id(id_)}, {"error", std::string(reason)}});
      return;
    }
    active_ = false;
    since_ = {};
    active_peers_.dec();
    disconnected_peers_.inc();
    core_.log(log_level::warn, "peer became inactive (message send to peer failed)",
              {{"local-member-id", core_.local_id}, {"peer-id", format_id(id_)}, {"error", std::string(reason)}});
  }

  [[nodiscard]] bool active() const { return active_; }
  // The time it became active; the epoch (zero) while inactive.
  [[nodiscard]] time_point since() const { return since_; }

 private:
  const detail::core& core_;
  member_id id_;
  gauge& active_peers_;        // {Local, Remote}
  counter& disconnected_peers_;  // {Local, Remote}
  bool active_ = false;
  time_point since_{};
};

}  // namespace rafthttp
