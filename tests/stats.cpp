#include <rafthttp/stats.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace rafthttp;

// Each layer is tested beside its own header (detail/go_format.cpp,
// metrics/registry.cpp, metrics/network.cpp, v2stats.cpp); here, that the
// umbrella still gives a user all of them, as the single header did.
TEST_CASE("stats.hpp gathers the metrics registry, etcd's network metrics and the v2 stats") {
  network_metrics m;
  peer_series peer(m, "2");
  peer.sent_bytes.add(3);
  CHECK(m.render() ==
        "# HELP etcd_network_peer_sent_bytes_total The total number of bytes sent to peers.\n"
        "# TYPE etcd_network_peer_sent_bytes_total counter\n"
        "etcd_network_peer_sent_bytes_total{To=\"2\"} 3\n");
  CHECK(prometheus_content_type == "text/plain; version=0.0.4; charset=utf-8");
  leader_stats leader;
  leader.leader = format_id(1);
  CHECK(leader.to_json() == "{\"leader\":\"1\",\"followers\":{}}");
}
