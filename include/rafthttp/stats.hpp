// Observability (doc/protocol.md 13): etcd's Prometheus metrics and its v2
// statistics, so that dashboards and alerts built for etcd work unchanged.
// This header gathers the three layers:
//
//   metrics/registry.hpp  counters, gauges and fixed-bucket histograms per
//                         label value, rendered in the Prometheus text format
//                         0.0.4 exactly as Go's client_golang writes it
//   metrics/network.hpp   etcd's etcd_network_* families (rafthttp/metrics.go)
//                         and peer_series, one peer's series resolved once
//   v2stats.hpp           follower_stats, leader_stats, server_stats: etcd's
//                         v2stats, with their JSON
#pragma once

#include <rafthttp/metrics/network.hpp>
#include <rafthttp/metrics/registry.hpp>
#include <rafthttp/v2stats.hpp>

// Included here before the split; kept so that no user's includes break.
#include <rafthttp/id.hpp>
