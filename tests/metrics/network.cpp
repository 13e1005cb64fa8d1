#include <rafthttp/metrics/network.hpp>

#include "support/go_text.hpp"
#include "support/prometheus_text.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

using namespace rafthttp;
using test::prometheus_float;
namespace prom = rafthttp::test::prometheus;

TEST_CASE("etcd's histogram buckets: 0.1 s·2^k for snapshots, 0.1 ms·2^k for round trips") {
  network_metrics m;
  const auto snapshot = m.snapshot_send_seconds.upper_bounds();
  REQUIRE(snapshot.size() == 10);
  const char* snapshot_text[] = {"0.1", "0.2", "0.4", "0.8", "1.6", "3.2", "6.4", "12.8", "25.6", "51.2"};
  for (std::size_t k = 0; k < snapshot.size(); ++k) CHECK(prometheus_float(snapshot[k]) == snapshot_text[k]);
  CHECK(std::ranges::equal(m.snapshot_receive_seconds.upper_bounds(), snapshot));
  const auto rtt = m.round_trip_time.upper_bounds();
  REQUIRE(rtt.size() == 16);
  CHECK(prometheus_float(rtt.front()) == "0.0001");
  CHECK(prometheus_float(rtt[6]) == "0.0064");
  CHECK(prometheus_float(rtt.back()) == "3.2768");
}

TEST_CASE("the exposition names etcd's families with their help, type and labels, and parses strictly") {
  network_metrics m;
  peer_series peer(m, "2");
  CHECK(m.render().empty());  // resolved series are not shown before an update (Go creates them at the first)
  peer.sent_bytes.add(100);
  peer.sent_failures.inc();
  peer.received_bytes.add(7);
  peer.link_heartbeat_received_bytes.add(30);
  peer.round_trip_time.observe(0.0003);
  peer.snapshot_send_success.inc();
  { const gauge_hold in_flight(peer.snapshot_send_inflights); }
  peer.snapshot_send_seconds.observe(0.15);
  m.active_peers.with({"1", "2"}).inc();
  m.disconnected_peers.with({"1", "3"}).add(0);
  m.received_failures.with({"127.0.0.1:4242"}).inc();
  m.snapshot_receive_failures.with({unknown_snapshot_sender}).inc();

  const auto text = m.render();
  const auto parsed = prom::parse(text);
  const std::map<std::string, std::pair<std::string, std::string>> expected{
      {"etcd_network_active_peers", {"gauge", "The current number of active peer connections."}},
      {"etcd_network_disconnected_peers_total", {"counter", "The total number of disconnected peers."}},
      {"etcd_network_peer_sent_bytes_total", {"counter", "The total number of bytes sent to peers."}},
      {"etcd_network_peer_received_bytes_total", {"counter", "The total number of bytes received from peers."}},
      {"etcd_network_peer_sent_failures_total", {"counter", "The total number of send failures from peers."}},
      {"etcd_network_peer_received_failures_total", {"counter", "The total number of receive failures from peers."}},
      {"etcd_network_peer_round_trip_time_seconds", {"histogram", "Round-Trip-Time histogram between peers"}},
      {"etcd_network_snapshot_send_success", {"counter", "Total number of successful snapshot sends"}},
      {"etcd_network_snapshot_send_inflights_total", {"gauge", "Total number of inflight snapshot sends"}},
      {"etcd_network_snapshot_send_total_duration_seconds",
       {"histogram", "Total latency distributions of v3 snapshot sends"}},
      {"etcd_network_snapshot_receive_failures", {"counter", "Total number of snapshot receive failures"}},
  };
  REQUIRE(parsed.size() == expected.size());
  for (const auto& [name, type_help] : expected) {
    CAPTURE(name);
    REQUIRE(parsed.contains(name));
    CHECK(parsed.at(name).type == type_help.first);
    CHECK(parsed.at(name).help == type_help.second);
  }
  CHECK(parsed.at("etcd_network_peer_sent_bytes_total").value({{"To", "2"}}) == 100);
  CHECK(parsed.at("etcd_network_peer_received_bytes_total").series() ==
        std::set<prom::labels>{{{"From", "0"}}, {{"From", "2"}}});
  CHECK(parsed.at("etcd_network_active_peers").value({{"Local", "1"}, {"Remote", "2"}}) == 1);
  CHECK(parsed.at("etcd_network_disconnected_peers_total").value({{"Local", "1"}, {"Remote", "3"}}) == 0);
  CHECK(parsed.at("etcd_network_snapshot_send_inflights_total").value({{"To", "2"}}) == 0);
  CHECK(parsed.at("etcd_network_peer_received_failures_total").value({{"From", "127.0.0.1:4242"}}) == 1);
  CHECK(parsed.at("etcd_network_snapshot_receive_failures").value({{"From", "UNKNOWN_SNAPSHOT_SENDER"}}) == 1);
  const auto& rtt = parsed.at("etcd_network_peer_round_trip_time_seconds").histograms.at({{"To", "2"}});
  CHECK(rtt.buckets.size() == 17);
  CHECK(rtt.count == 1);
  CHECK(rtt.sum == doctest::Approx(0.0003));
  CHECK(rtt.buckets[1].second == 0);  // le 0.0002
  CHECK(rtt.buckets[2].second == 1);  // le 0.0004
  // Exactly Go's lines.
  CHECK(text.find("# HELP etcd_network_peer_sent_bytes_total The total number of bytes sent to peers.\n"
                  "# TYPE etcd_network_peer_sent_bytes_total counter\n"
                  "etcd_network_peer_sent_bytes_total{To=\"2\"} 100\n") != std::string::npos);
  CHECK(text.find("etcd_network_peer_round_trip_time_seconds_bucket{To=\"2\",le=\"+Inf\"} 1\n") != std::string::npos);
  CHECK(text.find("etcd_network_active_peers{Local=\"1\",Remote=\"2\"} 1\n") != std::string::npos);
}

TEST_CASE("a resolved cell is the same series every time and stays where it is") {
  network_metrics m;
  counter& first = m.sent_bytes.with({"2"});
  for (int i = 0; i < 100; ++i) (void)m.sent_bytes.with({std::to_string(i + 10)});
  CHECK(&m.sent_bytes.with({"2"}) == &first);
  CHECK(m.sent_bytes.find({"2"}) == &first);
  CHECK(m.sent_bytes.find({"nope"}) == nullptr);
}
