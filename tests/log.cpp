#include <rafthttp/log.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;

TEST_CASE("the logger is silent without a sink and filters by level") {
  detail::logger silent;
  CHECK_FALSE(silent.enabled(log_level::error));
  silent(log_level::error, "nobody hears this");

  std::vector<std::string> lines;
  detail::logger log([&](log_level level, std::string_view message, std::span<const log_field> fields) {
    std::string line = std::string(to_string(level)) + " " + std::string(message);
    for (const auto& f : fields) line += " " + std::string(f.key) + "=" + f.value;
    lines.push_back(line);
  }, log_level::info);
  log(log_level::debug, "too detailed");
  log(log_level::warn, "peer became inactive", {{"peer-id", "2"}});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "warn peer became inactive peer-id=2");
}

TEST_CASE("the throttle passes the first event, then one per period that counts those held back") {
  using namespace std::chrono_literals;
  detail::log_throttle throttle(1s);
  const auto t0 = detail::log_throttle::clock::time_point{} + 100s;
  CHECK(throttle.admit(t0) == 1);
  CHECK(throttle.admit(t0 + 10ms) == 0);
  CHECK(throttle.admit(t0 + 999ms) == 0);
  CHECK(throttle.admit(t0 + 1s) == 3);  // this one and the two held back
  CHECK(throttle.admit(t0 + 1500ms) == 0);
  CHECK(throttle.take_held_back() == 1);
  CHECK(throttle.take_held_back() == 0);
  detail::log_throttle every_time(0s);
  CHECK(every_time.admit(t0) == 1);
  CHECK(every_time.admit(t0) == 1);
}
