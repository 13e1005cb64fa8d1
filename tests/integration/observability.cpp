// Metrics, stats and logs of real transports on one io_context: the counts
// agree with the traffic, the exposition parses strictly, and every event
// issue 9 lists reaches the log sink (each one provoked).
#include <rafthttp/testing.hpp>

#include "support/fake_peer.hpp"
#include "support/prometheus_text.hpp"
#include "support/raw_http.hpp"
#include "support/recorded_log.hpp"
#include "support/recording_raft.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace rafthttp;
using namespace std::chrono_literals;
namespace prom = rafthttp::test::prometheus;
using test_cluster = testing::cluster<test::recording_raft, test::memory_snapshotter>;

namespace {

message make(message_type type, member_id from, member_id to, std::uint64_t term = 1) {
  message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

message app(member_id from, member_id to, std::uint64_t index) {
  auto m = make(message_type::MsgApp, from, to, 5);
  m.log_term = 5;
  m.index = index;
  m.commit = index;
  m.entries.push_back({raftpb::entry_type::EntryNormal, 5, index + 1, "entry"});
  return m;
}

using test::log_record;
using test::recorded_log;

// Short intervals so that heartbeats, probes and monitor reports happen
// within a test.
transport_options quick_options() {
  transport_options o;
  o.link_heartbeat_interval = 50ms;
  o.prober_interval = 20ms;
  o.prober_error_interval = 100ms;
  o.prober_monitor_interval = 100ms;
  return o;
}

template <class Transport>
prom::exposition scrape(const Transport& t) {
  return prom::parse(t.render_metrics());
}

double value(const prom::exposition& e, const std::string& family, const prom::labels& labels) {
  const auto it = e.find(family);
  return it == e.end() ? std::nan("") : it->second.value(labels);
}

template <class Transport>
double counter_value(const Transport& t, const std::string& family, const prom::labels& labels) {
  return value(scrape(t), family, labels);
}

std::set<std::string> family_names(const prom::exposition& e) {
  std::set<std::string> names;
  for (const auto& [name, f] : e) names.insert(name);
  return names;
}

std::uint64_t protobuf_bytes(const std::vector<message>& messages) {
  std::uint64_t n = 0;
  // Sizes as the transports' release (the default profile) encodes them.
  for (const auto& m : messages) n += raftpb::encoded_size(m, profile_of(newest_etcd_version).wire_style);
  return n;
}

// A loopback port nothing listens on.
url_list closed_url(asio::io_context& io) {
  http::tcp::acceptor acceptor(io, test::loopback());
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return *url_list::parse("http://127.0.0.1:" + std::to_string(port));
}

}  // namespace

TEST_CASE("stream and pipeline traffic: byte counts agree on both sides, and the stats count it") {
  asio::io_context io(1);
  test_cluster c(io, 2, quick_options());
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  REQUIRE(c.run_until([&] {
    return c.transport(1).find_peer(2)->reader_attached(stream_type::msgapp) &&
           c.transport(2).find_peer(1)->reader_attached(stream_type::msgapp);
  }));

  std::vector<message> sent;
  for (std::uint64_t i = 0; i < 20; ++i) sent.push_back(app(1, 2, 100 + i));  // msgappv2, AppEntries records
  for (int i = 0; i < 10; ++i) sent.push_back(make(message_type::MsgHeartbeat, 1, 2));  // message stream
  auto snap = make(message_type::MsgSnap, 1, 2, 4);  // pipeline
  snap.snapshot.metadata.index = 7;
  sent.push_back(snap);
  for (const auto& m : sent) REQUIRE_FALSE(c.transport(1).send(m));
  REQUIRE(c.run_until([&] { return c.raft(2).processed.size() == sent.size(); }));

  const double payload = static_cast<double>(protobuf_bytes(sent));
  const prom::labels to2{{"To", "2"}}, from1{{"From", "1"}}, from0{{"From", "0"}};
  CHECK(counter_value(c.transport(2), "etcd_network_peer_received_bytes_total", from1) == payload);
  // Whatever else 1 sent to 2 were link heartbeats: 2 counted them under From "0".
  CHECK(c.run_until([&] {
    return counter_value(c.transport(1), "etcd_network_peer_sent_bytes_total", to2) - payload ==
           counter_value(c.transport(2), "etcd_network_peer_received_bytes_total", from0);
  }));
  CHECK(counter_value(c.transport(2), "etcd_network_peer_received_bytes_total", from0) > 0);

  const auto e1 = scrape(c.transport(1));
  const auto e2 = scrape(c.transport(2));
  CHECK(value(e1, "etcd_network_active_peers", {{"Local", "1"}, {"Remote", "2"}}) == 1);
  CHECK(value(e2, "etcd_network_active_peers", {{"Local", "2"}, {"Remote", "1"}}) == 1);
  const std::set<std::string> traffic_families{"etcd_network_active_peers", "etcd_network_peer_received_bytes_total",
                                               "etcd_network_peer_sent_bytes_total"};
  for (const auto* e : {&e1, &e2}) {
    auto names = family_names(*e);
    names.erase("etcd_network_peer_round_trip_time_seconds");  // once the prober monitor reported
    CHECK(names == traffic_families);
  }

  // FollowerStats: one success per MsgApp record on msgappv2; ServerStats:
  // every MsgApp given to send().
  const auto leader = c.transport(1).leader_stats();
  CHECK(leader.leader == "1");
  REQUIRE(leader.followers.contains("2"));
  CHECK(leader.followers.at("2").counts().success == 20);
  CHECK(leader.followers.at("2").counts().fail == 0);
  CHECK(leader.followers.at("2").latency().maximum >= leader.followers.at("2").latency().minimum);
  CHECK(c.transport(1).server_stats().send_append_requests() == 20);
  CHECK(c.transport(1).server_stats().leader());
  CHECK(c.transport(2).server_stats().send_append_requests() == 0);
  CHECK(leader.to_json().starts_with("{\"leader\":\"1\",\"followers\":{\"2\":{\"latency\":"));

  // The prober monitor records the smoothed RTT per peer.
  REQUIRE(c.run_until([&] {
    const auto e = scrape(c.transport(1));
    const auto it = e.find("etcd_network_peer_round_trip_time_seconds");
    return it != e.end() && it->second.histograms.contains(to2) && it->second.histograms.at(to2).count >= 2;
  }));
}

TEST_CASE("a MsgApp over the pipeline counts in FollowerStats; a failed POST counts as a failure") {
  asio::io_context io(1);
  test_cluster c(io, 2, quick_options());
  c.transport(1).add_peer(2, c.urls(2));  // 2 never dials 1's streams: 1 sends over the pipeline
  std::vector<message> sent;
  for (std::uint64_t i = 0; i < 5; ++i) sent.push_back(app(1, 2, i));
  for (const auto& m : sent) REQUIRE_FALSE(c.transport(1).send(m));
  REQUIRE(c.run_until([&] { return c.raft(2).processed.size() == sent.size(); }));
  REQUIRE(c.run_until([&] { return c.transport(1).leader_stats().followers.at("2").counts().success == 5; }));
  CHECK(counter_value(c.transport(1), "etcd_network_peer_sent_bytes_total", {{"To", "2"}}) ==
        static_cast<double>(protobuf_bytes(sent)));
  CHECK(counter_value(c.transport(2), "etcd_network_peer_received_bytes_total", {{"From", "1"}}) ==
        static_cast<double>(protobuf_bytes(sent)));

  c.transport(1).update_peer(2, closed_url(io));
  REQUIRE_FALSE(c.transport(1).send(app(1, 2, 9)));
  REQUIRE(c.run_until([&] { return c.transport(1).leader_stats().followers.at("2").counts().fail == 1; }));
  CHECK(counter_value(c.transport(1), "etcd_network_peer_sent_failures_total", {{"To", "2"}}) == 1);
}

TEST_CASE("a snapshot counts on both sides, and both sides log it") {
  asio::io_context io(1);
  recorded_log log;
  auto o = quick_options();
  o.log = log.sink();
  test_cluster c(io, 2, o);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  // Only link heartbeats so far (under From "0"): no bytes from 1 yet.
  CHECK(std::isnan(counter_value(c.transport(2), "etcd_network_peer_received_bytes_total", {{"From", "1"}})));

  auto m = make(message_type::MsgSnap, 1, 2, 3);
  m.snapshot.metadata.index = 42;
  m.snapshot.metadata.term = 3;
  const std::vector<std::uint8_t> db(300 * 1024, 0x5a);
  std::optional<std::error_code> outcome;
  snapshot_message sm(m, std::make_unique<memory_db_source>(db), db.size(), [&](std::error_code ec) { outcome = ec; });
  const double total = static_cast<double>(sm.total_size(profile_of(o.version).wire_style));
  c.transport(1).send_snapshot(std::move(sm));
  REQUIRE(c.run_until([&] { return outcome.has_value(); }));
  REQUIRE_FALSE(*outcome);

  const auto e1 = scrape(c.transport(1));
  const prom::labels to2{{"To", "2"}}, from1{{"From", "1"}};
  CHECK(value(e1, "etcd_network_snapshot_send_success", to2) == 1);
  CHECK(value(e1, "etcd_network_snapshot_send_inflights_total", to2) == 0);
  CHECK(e1.at("etcd_network_snapshot_send_total_duration_seconds").histograms.at(to2).count == 1);
  CHECK(value(e1, "etcd_network_peer_sent_bytes_total", to2) >= total);
  CHECK_FALSE(e1.contains("etcd_network_snapshot_send_failures"));
  const auto e2 = scrape(c.transport(2));
  CHECK(value(e2, "etcd_network_snapshot_receive_success", from1) == 1);
  CHECK(value(e2, "etcd_network_snapshot_receive_inflights_total", from1) == 0);
  CHECK(e2.at("etcd_network_snapshot_receive_total_duration_seconds").histograms.at(from1).count == 1);
  // The envelope's protobuf size, then the DB bytes: etcd's TotalSize again.
  CHECK(value(e2, "etcd_network_peer_received_bytes_total", from1) == total);

  CHECK(log.has("sending database snapshot", {{"remote-peer-id", "2"}, {"snapshot-index", "42"}}));
  CHECK(log.has("sent database snapshot", {{"remote-peer-id", "2"}, {"snapshot-index", "42"}}));
  CHECK(log.has("receiving database snapshot",
                {{"remote-snapshot-sender-id", "1"}, {"incoming-snapshot-index", "42"}}));
  CHECK(log.has("received and saved database snapshot",
                {{"remote-snapshot-sender-id", "1"}, {"incoming-snapshot-size-bytes", std::to_string(db.size())}}));
}

TEST_CASE("a failed snapshot counts as a send failure; a rejected one as a receive failure") {
  asio::io_context io(1);
  test_cluster c(io, 2, quick_options());
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  c.snapshotter(2).fail_with = make_error_code(std::errc::no_space_on_device);
  auto m = make(message_type::MsgSnap, 1, 2, 3);
  m.snapshot.metadata.index = 5;
  const std::vector<std::uint8_t> db(1000, 1);
  std::optional<std::error_code> outcome;
  c.transport(1).send_snapshot(
      snapshot_message(m, std::make_unique<memory_db_source>(db), db.size(),
                       [&](std::error_code ec) { outcome = ec; }));
  REQUIRE(c.run_until([&] { return outcome.has_value(); }));
  CHECK(*outcome);
  const auto e1 = scrape(c.transport(1));
  CHECK(value(e1, "etcd_network_snapshot_send_failures", {{"To", "2"}}) == 1);
  CHECK(value(e1, "etcd_network_peer_sent_failures_total", {{"To", "2"}}) == 1);
  CHECK(value(e1, "etcd_network_snapshot_send_inflights_total", {{"To", "2"}}) == 0);
  CHECK(value(scrape(c.transport(2)), "etcd_network_snapshot_receive_failures", {{"From", "1"}}) == 1);
}

TEST_CASE("full queues: every drop is a sent failure, logged once per period with a count") {
  asio::io_context io(1);
  recorded_log log;
  auto o = quick_options();
  o.log = log.sink();
  o.stream_buffer_size = 4;
  o.drop_log_interval = 1h;  // one line now, the rest summed up when the peer goes
  test_cluster c(io, 2, o);
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  int dropped = 0;
  for (int i = 0; i < 10; ++i)  // nothing runs meanwhile: the message stream's queue holds 4
    dropped += c.transport(1).send(make(message_type::MsgHeartbeat, 1, 2)) == errc::queue_full ? 1 : 0;
  CHECK(dropped == 6);
  CHECK(counter_value(c.transport(1), "etcd_network_peer_sent_failures_total", {{"To", "2"}}) == 6);
  const auto lines = log.find("dropped internal Raft message since sending buffer is full (overloaded network)",
                              {{"remote-peer-id", "2"}, {"message-type", "MsgHeartbeat"}});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]->level == log_level::warn);
  CHECK(lines[0]->fields.at("dropped-messages") == "1");
  CHECK(lines[0]->fields.at("remote-peer-active") == "true");
  c.transport(1).remove_peer(2);
  const auto summary = log.find("dropped Raft messages since the last log line", {{"remote-peer-id", "2"}});
  REQUIRE(summary.size() == 1);
  CHECK(summary[0]->fields.at("dropped-messages") == "5");
}

TEST_CASE("a remote's full pipeline queue counts and logs its drops") {
  asio::io_context io(1);
  recorded_log log;
  auto o = quick_options();
  o.log = log.sink();
  o.drop_log_interval = 0s;  // every drop logged
  test_cluster c(io, 1, o);
  c.transport(1).add_remote(5, closed_url(io));
  int dropped = 0;
  for (int i = 0; i < 70; ++i)  // 64 queued (etcd's pipelineBufSize), the workers have not run
    dropped += c.transport(1).send(make(message_type::MsgAppResp, 1, 5)) == errc::queue_full ? 1 : 0;
  CHECK(dropped == 6);
  CHECK(counter_value(c.transport(1), "etcd_network_peer_sent_failures_total", {{"To", "5"}}) == 6);
  CHECK(log.find("dropped Raft message since sending buffer is full (overloaded network)", {{"remote-peer-id", "5"}})
            .size() == 6);
}

namespace {

// Raft whose process waits until released: received messages pile up.
struct blocking_raft {
  explicit blocking_raft(asio::any_io_executor ex) : released(std::move(ex)) {}
  asio::awaitable<void> process(message& m) {
    while (hold) co_await released.wait();
    processed.push_back(m);
  }
  bool is_id_removed(member_id) const { return false; }
  void report_unreachable(member_id) {}
  void report_snapshot(member_id, snapshot_status) {}
  void release() {
    hold = false;
    released.notify();
  }
  bool hold = true;
  detail::notifier released;
  std::vector<message> processed;
};

}  // namespace

TEST_CASE("a full receive queue: received failures from the sender, logged, rate-limited") {
  asio::io_context io(1);
  recorded_log log;
  auto o = quick_options();
  o.log = log.sink();
  o.recv_buffer_size = 2;
  o.drop_log_interval = 1h;
  testing::cluster<blocking_raft, test::memory_snapshotter> c(
      io, 2, o, [&](member_id) { return std::make_unique<blocking_raft>(io.get_executor()); });
  c.connect_all();
  REQUIRE(c.run_until([&] { return c.streams_attached(); }));
  constexpr int sent = 10;
  for (int i = 0; i < sent; ++i) REQUIRE_FALSE(c.transport(1).send(make(message_type::MsgHeartbeat, 1, 2)));
  const prom::labels from1{{"From", "1"}};
  REQUIRE(c.run_until([&] {
    const auto failures = counter_value(c.transport(2), "etcd_network_peer_received_failures_total", from1);
    return failures > 0 && counter_value(c.transport(2), "etcd_network_peer_received_bytes_total", from1) ==
                               static_cast<double>(sent * raftpb::encoded_size(make(message_type::MsgHeartbeat, 1, 2),
                                                                     profile_of(newest_etcd_version).wire_style));
  }));
  const auto failures = counter_value(c.transport(2), "etcd_network_peer_received_failures_total", from1);
  c.raft(2).release();
  REQUIRE(c.run_until([&] { return c.raft(2).processed.size() + static_cast<std::size_t>(failures) == sent; }));
  const auto lines = log.find("dropped internal Raft message since receiving buffer is full (overloaded network)",
                              {{"from", "1"}, {"remote-peer-id", "1"}});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]->fields.at("dropped-messages") == "1");
}

TEST_CASE("a peer that goes away: inactive, disconnected, streams lost on both sides, all logged") {
  asio::io_context io(1);
  recorded_log log;
  auto o = quick_options();
  o.log = log.sink();
  test_cluster c(io, 2, o);
  c.connect_all();
  REQUIRE(c.run_until([&] {
    return c.streams_attached() && c.transport(1).find_peer(2)->reader_attached(stream_type::message) &&
           c.transport(1).find_peer(2)->reader_attached(stream_type::msgapp);
  }));
  CHECK(log.has("peer became active", {{"peer-id", "2"}, {"local-member-id", "1"}}));
  for (const char* type : {"stream Message", "stream MsgApp v2"}) {
    CHECK(log.has("established TCP streaming connection with remote peer",
                  {{"stream-writer-type", type}, {"remote-peer-id", "2"}}));
    CHECK(log.has("established TCP streaming connection with remote peer",
                  {{"stream-reader-type", type}, {"remote-peer-id", "2"}}));
  }

  c.transport(2).stop();
  const prom::labels pair{{"Local", "1"}, {"Remote", "2"}};
  REQUIRE(c.run_until([&] { return counter_value(c.transport(1), "etcd_network_active_peers", pair) == 0; }));
  CHECK(counter_value(c.transport(1), "etcd_network_disconnected_peers_total", pair) == 1);
  CHECK(log.has("peer became inactive (message send to peer failed)", {{"peer-id", "2"}}));
  for (const char* type : {"stream Message", "stream MsgApp v2"}) {
    CAPTURE(type);
    const auto lost = [&](const char* side) {
      return log.has("lost TCP streaming connection with remote peer", {{side, type}, {"remote-peer-id", "2"}});
    };
    CHECK(c.run_until([&] { return lost("stream-reader-type"); }));
    // Our writers learn it when a heartbeat cannot be written.
    CHECK(c.run_until([&] { return lost("stream-writer-type"); }));
  }
  CHECK(counter_value(c.transport(1), "etcd_network_peer_sent_failures_total", {{"To", "2"}}) >= 1);
}

TEST_CASE("the prober logs an unhealthy peer and a drifting clock") {
  asio::io_context io(1);
  recorded_log log;
  auto o = quick_options();
  o.log = log.sink();
  test_cluster c(io, 1, o);

  // A peer whose clock is a day behind: /raft/probing answers with yesterday.
  http::router routes;
  routes.mount("/raft/probing", [](http::exchange& ex) -> asio::awaitable<void> {
    const auto yesterday = std::chrono::system_clock::now() - std::chrono::hours(24);
    (void)co_await ex.respond(200, {}, "{\"OK\":true,\"Now\":\"" + detail::format_rfc3339_nano(yesterday) + "\"}\n");
  });
  http::server skewed(io.get_executor(), routes);
  REQUIRE_FALSE(skewed.listen(test::loopback()));
  c.transport(1).add_peer(0x63, test::url_of(skewed.local_endpoint()));
  c.transport(1).add_peer(0x64, closed_url(io));

  REQUIRE(c.run_until([&] { return log.has("prober found high clock drift", {{"remote-peer-id", "63"}}); }));
  REQUIRE(c.run_until([&] { return log.has("prober detected unhealthy status", {{"remote-peer-id", "64"}}); }));
  const auto drift = log.find("prober found high clock drift", {{"remote-peer-id", "63"}});
  CHECK(drift[0]->fields.at("clock-drift").starts_with("2"));  // about 24h0m0.0s: "23h59m..." or "24h0m..."
  // Both are recorded in the RTT histogram, healthy or not (etcd's monitor).
  const auto e = scrape(c.transport(1));
  const auto& rtt = e.at("etcd_network_peer_round_trip_time_seconds");
  CHECK(rtt.histograms.contains({{"To", "63"}}));
  CHECK(rtt.histograms.contains({{"To", "64"}}));
}

namespace {

asio::awaitable<void> post_garbage(asio::io_context& io, http::tcp::endpoint to, std::optional<int>& status) {
  http::fields h;
  h.add("X-Server-From", "2");
  h.add("X-Server-Version", "3.4.23");
  h.add("X-Min-Cluster-Version", "3.0.0");
  h.add("X-Etcd-Cluster-ID", "1000");
  const auto response = co_await test::raw_round_trip(io, to, test::request_text("POST", "/raft", h, "\xff\xff\xff"));
  status = response.status;
}

}  // namespace

TEST_CASE("POSTs that cannot be read count as received failures of the sender's address") {
  asio::io_context io(1);
  test_cluster c(io, 1, quick_options());
  std::optional<int> status;
  asio::co_spawn(io, post_garbage(io, c.transport(1).local_endpoint(), status), asio::detached);
  REQUIRE(c.run_until([&] { return status.has_value(); }));
  CHECK(*status == 400);
  const auto e = scrape(c.transport(1));
  const auto& failures = e.at("etcd_network_peer_received_failures_total");
  REQUIRE(failures.samples.size() == 1);
  CHECK(failures.samples[0].label_set.at("From").starts_with("127.0.0.1:"));
  CHECK(failures.samples[0].value == 1);
}
