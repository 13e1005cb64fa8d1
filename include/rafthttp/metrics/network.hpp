// etcd's network metrics (doc/protocol.md 13.1): the etcd_network_* families
// of server/etcdserver/api/rafthttp/metrics.go on the metrics registry, and
// the series of one peer, resolved once when it is added.
#pragma once

#include <rafthttp/metrics/registry.hpp>

#include <string>
#include <string_view>

namespace rafthttp {

// The label value of snapshot receive failures whose sender is not known yet
// (405 and 412 answers).
inline constexpr std::string_view unknown_snapshot_sender = "UNKNOWN_SNAPSHOT_SENDER";

// etcd's rafthttp metrics (doc/protocol.md 13.1; etcdserver/api/rafthttp/metrics.go):
// namespace "etcd", subsystem "network", names, help texts, labels and
// buckets as Go registers them.
class network_metrics {
 public:
  network_metrics()
      : active_peers(registry.add_gauge("etcd_network_active_peers",
                                        "The current number of active peer connections.", {"Local", "Remote"})),
        disconnected_peers(registry.add_counter("etcd_network_disconnected_peers_total",
                                                "The total number of disconnected peers.", {"Local", "Remote"})),
        sent_bytes(registry.add_counter("etcd_network_peer_sent_bytes_total",
                                        "The total number of bytes sent to peers.", {"To"})),
        received_bytes(registry.add_counter("etcd_network_peer_received_bytes_total",
                                            "The total number of bytes received from peers.", {"From"})),
        sent_failures(registry.add_counter("etcd_network_peer_sent_failures_total",
                                           "The total number of send failures from peers.", {"To"})),
        received_failures(registry.add_counter("etcd_network_peer_received_failures_total",
                                               "The total number of receive failures from peers.", {"From"})),
        snapshot_send_success(registry.add_counter("etcd_network_snapshot_send_success",
                                                   "Total number of successful snapshot sends", {"To"})),
        snapshot_send_inflights(registry.add_gauge("etcd_network_snapshot_send_inflights_total",
                                                   "Total number of inflight snapshot sends", {"To"})),
        snapshot_send_failures(registry.add_counter("etcd_network_snapshot_send_failures",
                                                    "Total number of snapshot send failures", {"To"})),
        // 0.1 s .. 51.2 s
        snapshot_send_seconds(registry.add_histogram("etcd_network_snapshot_send_total_duration_seconds",
                                                     "Total latency distributions of v3 snapshot sends", {"To"},
                                                     exponential_buckets(0.1, 2, 10))),
        snapshot_receive_success(registry.add_counter("etcd_network_snapshot_receive_success",
                                                      "Total number of successful snapshot receives", {"From"})),
        snapshot_receive_inflights(registry.add_gauge("etcd_network_snapshot_receive_inflights_total",
                                                      "Total number of inflight snapshot receives", {"From"})),
        snapshot_receive_failures(registry.add_counter("etcd_network_snapshot_receive_failures",
                                                       "Total number of snapshot receive failures", {"From"})),
        snapshot_receive_seconds(registry.add_histogram("etcd_network_snapshot_receive_total_duration_seconds",
                                                        "Total latency distributions of v3 snapshot receives",
                                                        {"From"}, exponential_buckets(0.1, 2, 10))),
        // 0.1 ms .. 3.2768 s
        round_trip_time(registry.add_histogram("etcd_network_peer_round_trip_time_seconds",
                                               "Round-Trip-Time histogram between peers", {"To"},
                                               exponential_buckets(0.0001, 2, 16))) {}
  network_metrics(const network_metrics&) = delete;

  [[nodiscard]] std::string render() const { return registry.render(); }

  metrics_registry registry;  // first: the families below live in it
  gauge_family& active_peers;
  counter_family& disconnected_peers;
  counter_family& sent_bytes;
  counter_family& received_bytes;
  counter_family& sent_failures;
  counter_family& received_failures;
  counter_family& snapshot_send_success;
  gauge_family& snapshot_send_inflights;
  counter_family& snapshot_send_failures;
  histogram_family& snapshot_send_seconds;
  counter_family& snapshot_receive_success;
  gauge_family& snapshot_receive_inflights;
  counter_family& snapshot_receive_failures;
  histogram_family& snapshot_receive_seconds;
  histogram_family& round_trip_time;
};

// The series of one peer (or remote), resolved when it is added: what the
// stream writers and readers, the pipeline, the snapshot sender and the
// prober add to.
struct peer_series {
  peer_series(network_metrics& m, std::string_view id)
      : sent_bytes(m.sent_bytes.with({id})),
        sent_failures(m.sent_failures.with({id})),
        received_bytes(m.received_bytes.with({id})),
        received_failures(m.received_failures.with({id})),
        link_heartbeat_received_bytes(m.received_bytes.with({"0"})),
        round_trip_time(m.round_trip_time.with({id})),
        snapshot_send_success(m.snapshot_send_success.with({id})),
        snapshot_send_failures(m.snapshot_send_failures.with({id})),
        snapshot_send_inflights(m.snapshot_send_inflights.with({id})),
        snapshot_send_seconds(m.snapshot_send_seconds.with({id})) {}

  counter& sent_bytes;                     // {To=id}
  counter& sent_failures;                  // {To=id}
  counter& received_bytes;                 // {From=id}
  counter& received_failures;              // {From=id}
  counter& link_heartbeat_received_bytes;  // {From="0"}: link heartbeats name no sender
  histogram& round_trip_time;              // {To=id}
  counter& snapshot_send_success;
  counter& snapshot_send_failures;
  gauge& snapshot_send_inflights;
  histogram& snapshot_send_seconds;
};

}  // namespace rafthttp
