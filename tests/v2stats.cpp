#include <rafthttp/v2stats.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace rafthttp;

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
