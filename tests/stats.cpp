#include <rafthttp/stats.hpp>

#include "support/prometheus_text.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>

using namespace rafthttp;
namespace prom = rafthttp::test::prometheus;

namespace {

std::string prometheus_float(double v) {
  std::string s;
  detail::append_prometheus_float(s, v);
  return s;
}

std::string json_float(double v) {
  std::string s;
  detail::append_json_float(s, v);
  return s;
}

}  // namespace

// Expected texts: Go 1.19's strconv.FormatFloat(v, 'g', -1, 64) and
// encoding/json.Marshal, printed by a Go program.
TEST_CASE("numbers print as Go prints them: sample values and le bounds, JSON floats") {
  struct vector {
    double value;
    const char* prometheus;
    const char* json;
  };
  const vector vectors[] = {
      {0, "0", "0"},
      {1, "1", "1"},
      {-1, "-1", "-1"},
      {100, "100", "100"},
      {123456, "123456", "123456"},
      {1234567, "1.234567e+06", "1234567"},
      {1e6, "1e+06", "1000000"},
      {0.0001, "0.0001", "0.0001"},
      {0.00001, "1e-05", "0.00001"},
      {0.0064, "0.0064", "0.0064"},
      {3.2768, "3.2768", "3.2768"},
      {51.2, "51.2", "51.2"},
      {1e21, "1e+21", "1e+21"},
      {1e-7, "1e-07", "1e-7"},
      {2.5e-5, "2.5e-05", "0.000025"},
      {12345.678, "12345.678", "12345.678"},
      {9223372036854775808.0, "9.223372036854776e+18", "9223372036854776000"},
      {9007199254740992.0, "9.007199254740992e+15", "9007199254740992"},
      {1e20, "1e+20", "100000000000000000000"},
      {123456789012, "1.23456789012e+11", "123456789012"},
  };
  for (const auto& v : vectors) {
    CAPTURE(v.value);
    CHECK(prometheus_float(v.value) == v.prometheus);
    CHECK(json_float(v.value) == v.json);
  }
  CHECK(prometheus_float(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(prometheus_float(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(prometheus_float(std::nan("")) == "NaN");
}

TEST_CASE("durations print as Go's time.Duration.String()") {
  using std::chrono::nanoseconds;
  CHECK(detail::go_duration_string(nanoseconds(0)) == "0s");
  CHECK(detail::go_duration_string(nanoseconds(1)) == "1ns");
  CHECK(detail::go_duration_string(nanoseconds(1500)) == "1.5µs");
  CHECK(detail::go_duration_string(nanoseconds(100000)) == "100µs");
  CHECK(detail::go_duration_string(nanoseconds(1500000)) == "1.5ms");
  CHECK(detail::go_duration_string(nanoseconds(999999999)) == "999.999999ms");
  CHECK(detail::go_duration_string(nanoseconds(1000000000)) == "1s");
  CHECK(detail::go_duration_string(nanoseconds(1500000000)) == "1.5s");
  CHECK(detail::go_duration_string(nanoseconds(62005000000)) == "1m2.005s");
  CHECK(detail::go_duration_string(nanoseconds(10921000000001)) == "3h2m1.000000001s");
  CHECK(detail::go_duration_string(nanoseconds(-1500000)) == "-1.5ms");
}

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

TEST_CASE("a histogram puts a value in the first bucket whose bound is not below it") {
  const std::vector<double> bounds{1, 2, 4};
  histogram h(bounds);
  for (double v : {0.5, 1.0, 1.5, 4.0, 9.0}) h.observe(v);
  CHECK(h.cumulative_count(0) == 2);  // 0.5 and 1 (le is inclusive)
  CHECK(h.cumulative_count(1) == 3);
  CHECK(h.cumulative_count(2) == 4);
  CHECK(h.cumulative_count(3) == 5);  // +Inf
  CHECK(h.count() == 5);
  CHECK(h.sum() == doctest::Approx(16.0));
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

TEST_CASE("families are sorted by name and series by label values, as Go gathers them") {
  metrics_registry r;
  auto& b = r.add_counter("b_total", "b", {"To"});
  auto& a = r.add_gauge("a", "a", {"Local", "Remote"});
  b.with({"a"}).inc();
  b.with({"10"}).inc();
  b.with({"9"}).inc();
  a.with({"1", "2"}).inc();
  CHECK(r.render() ==
        "# HELP a a\n# TYPE a gauge\na{Local=\"1\",Remote=\"2\"} 1\n"
        "# HELP b_total b\n# TYPE b_total counter\nb_total{To=\"10\"} 1\nb_total{To=\"9\"} 1\nb_total{To=\"a\"} 1\n");
  CHECK(r.find("a") == &a);
  CHECK(r.find("c") == nullptr);
}

TEST_CASE("help texts and label values are escaped") {
  metrics_registry r;
  r.add_counter("x_total", "a \\ and a\nnewline", {"L"}).with({"q\"\\\n"}).inc();
  const auto text = r.render();
  CHECK(text == "# HELP x_total a \\\\ and a\\nnewline\n# TYPE x_total counter\nx_total{L=\"q\\\"\\\\\\n\"} 1\n");
  const auto parsed = prom::parse(text);
  CHECK(parsed.at("x_total").help == "a \\\\ and a\\nnewline");
  CHECK(parsed.at("x_total").value({{"L", "q\"\\\n"}}) == 1);
}

TEST_CASE("registration refuses duplicates, unsorted labels, descending buckets and wrong label counts") {
  metrics_registry r;
  auto& f = r.add_counter("x_total", "x", {"To"});
  CHECK_THROWS_AS(r.add_gauge("x_total", "again", {}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("y_total", "y", {"Remote", "Local"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("z", "z", {}, {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS((void)f.with({"1", "2"}), std::invalid_argument);
}

TEST_CASE("a resolved cell is the same series every time and stays where it is") {
  network_metrics m;
  counter& first = m.sent_bytes.with({"2"});
  for (int i = 0; i < 100; ++i) (void)m.sent_bytes.with({std::to_string(i + 10)});
  CHECK(&m.sent_bytes.with({"2"}) == &first);
  CHECK(m.sent_bytes.find({"2"}) == &first);
  CHECK(m.sent_bytes.find({"nope"}) == nullptr);
}

// ---------------------------------------------------------------- strict parser ---

TEST_CASE("the test's parser rejects what Prometheus would, and what Go would not write") {
  const char* bad[] = {
      "x 1",                                                            // no final newline
      "x 1\n",                                                          // no HELP/TYPE
      "# HELP x h\n# TYPE x counter\nx 1\n\n",                          // blank line
      "# HELP x h\n# TYPE x counter\nx -1\n",                           // negative counter
      "# HELP x h\n# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",     // duplicate series
      "# HELP x h\n# TYPE x counter\nx{a=\"\\t\"} 1\n",                 // invalid escape
      "# HELP x h\n# TYPE x counter\ny 1\n",                            // sample of another family
      "# HELP x h\n# TYPE x counter\nx{a=\"1\"} 1\nx{b=\"1\"} 1\n",     // label names differ
      "# HELP x h\n# TYPE x counter\nx one\n",                          // not a number
      "# HELP x h\n# TYPE x counter\nx{__a=\"1\"} 1\n",                 // reserved label
      "# HELP x h\n# TYPE x counter\nx 1\n# HELP x h\n# TYPE x counter\n",  // split family
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 1\n",                                           // le not ascending
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",  // +Inf != count
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",           // no _sum
  };
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_THROWS_AS((void)prom::parse(text), prom::parse_error);
  }
  CHECK(prom::parse("").empty());
  CHECK_NOTHROW((void)prom::parse("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
                                  "h_sum 3\nh_count 1\n"));
}

// ---------------------------------------------------------------- v2 stats ---

TEST_CASE("FollowerStats: Go's running mean, deviation, extremes and counts; a batch is n single successes") {
  using std::chrono::microseconds;
  follower_stats f;
  CHECK(f.latency().minimum == 9223372036854775808.0);
  f.succeed(microseconds(1000));
  f.succeed(microseconds(3000));
  f.fail();
  CHECK(f.counts().success == 2);
  CHECK(f.counts().fail == 1);
  CHECK(f.latency().current == doctest::Approx(3.0));
  CHECK(f.latency().average == doctest::Approx(2.0));
  CHECK(f.latency().standard_deviation == doctest::Approx(1.0));
  CHECK(f.latency().minimum == doctest::Approx(1.0));
  CHECK(f.latency().maximum == doctest::Approx(3.0));

  follower_stats one_by_one, batched;
  for (int i = 0; i < 3; ++i) one_by_one.succeed(microseconds(500));
  one_by_one.succeed(microseconds(2500));
  batched.succeed(microseconds(500), 3);
  batched.succeed(microseconds(2500), 1);
  CHECK(batched.counts().success == one_by_one.counts().success);
  CHECK(batched.latency().average == doctest::Approx(one_by_one.latency().average));
  CHECK(batched.latency().standard_deviation == doctest::Approx(one_by_one.latency().standard_deviation));
  CHECK(f.to_json() ==
        "{\"latency\":{\"current\":3,\"average\":2,\"standardDeviation\":1,\"minimum\":1,\"maximum\":3},"
        "\"counts\":{\"fail\":1,\"success\":2}}");
}

TEST_CASE("LeaderStats JSON: the leader and its followers by id, fresh entries as Go creates them") {
  leader_stats stats;
  stats.leader = "1";
  stats.followers["3"];
  stats.followers["2"].fail();
  CHECK(stats.to_json() ==
        "{\"leader\":\"1\",\"followers\":{"
        "\"2\":{\"latency\":{\"current\":0,\"average\":0,\"standardDeviation\":0,\"minimum\":9223372036854776000,"
        "\"maximum\":0},\"counts\":{\"fail\":1,\"success\":0}},"
        "\"3\":{\"latency\":{\"current\":0,\"average\":0,\"standardDeviation\":0,\"minimum\":9223372036854776000,"
        "\"maximum\":0},\"counts\":{\"fail\":0,\"success\":0}}}}");
}

TEST_CASE("ServerStats: SendAppendReq counts, makes this member leader and gives rates; JSON keys as Go's") {
  server_stats s("node", "1");
  CHECK_FALSE(s.leader());
  const auto idle = s.to_json();
  CHECK(idle.find("\"state\":\"StateFollower\"") != std::string::npos);
  CHECK(idle.find("sendPkgRate") == std::string::npos);  // omitempty
  for (int i = 0; i < 300; ++i) s.send_append_request(100);
  CHECK(s.leader());
  CHECK(s.send_append_requests() == 300);
  const auto json = s.to_json();
  for (const char* key : {"\"name\":\"node\"", "\"id\":\"1\"", "\"state\":\"StateLeader\"", "\"startTime\":\"",
                          "\"leaderInfo\":{\"leader\":\"1\",\"uptime\":\"", "\"recvAppendRequestCnt\":0",
                          "\"sendAppendRequestCnt\":300", "\"sendPkgRate\":", "\"sendBandwidthRate\":"}) {
    CAPTURE(key);
    CHECK(json.find(key) != std::string::npos);
  }
  s.recv_append_request("2", 10);
  CHECK_FALSE(s.leader());
  CHECK(s.recv_append_requests() == 1);
  CHECK(s.to_json().find("\"leaderInfo\":{\"leader\":\"2\"") != std::string::npos);
}

TEST_CASE("ServerStats on the send path: requests counted at once, stamped once per burst") {
  server_stats s("", "1");
  for (int i = 0; i < 50; ++i) s.send_append_request_unstamped(10);
  CHECK(s.send_append_requests() == 50);
  CHECK(s.leader());
  CHECK(s.to_json().find("sendPkgRate") == std::string::npos);  // one instant: no rate yet
  s.stamp_send_requests();
  const auto first_burst = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - first_burst < std::chrono::milliseconds(2)) {
  }
  for (int i = 0; i < 50; ++i) s.send_append_request_unstamped(10);
  s.stamp_send_requests();
  const auto json = s.to_json();
  const auto at = json.find("\"sendPkgRate\":");
  REQUIRE(at != std::string::npos);
  const double packets_per_second = std::stod(json.substr(at + 14));
  CHECK(packets_per_second > 100);         // 100 requests within well under a second
  CHECK(packets_per_second < 100 / 0.002);  // ... and no less than 2 ms apart
  CHECK(json.find("\"sendAppendRequestCnt\":100") != std::string::npos);
}
