#include <rafthttp/detail/rfc3339.hpp>

#include <doctest/doctest.h>

using namespace rafthttp::detail;
using namespace std::chrono;

TEST_CASE("RFC 3339 with nanoseconds, trailing zeros trimmed, as Go writes it") {
  const system_time t = sys_days(year(2026) / 11 / 26) + hours(23) + minutes(21) + seconds(22) + nanoseconds(403206815);
  CHECK(format_rfc3339_nano(t) == "2026-11-26T23:21:22.403206815Z");
  CHECK(format_rfc3339_nano(t - nanoseconds(403206815) + milliseconds(500)) == "2026-11-26T23:21:22.5Z");
  CHECK(format_rfc3339_nano(t - nanoseconds(403206815)) == "2026-11-26T23:21:22Z");
  CHECK(parse_rfc3339("2026-11-26T23:21:22.403206815Z") == t);
  CHECK(parse_rfc3339("2026-11-27T00:21:22.403206815+01:00") == t);
  CHECK_FALSE(parse_rfc3339("2026-11-26 23:21:22Z"));
  CHECK_FALSE(parse_rfc3339("2026-13-26T23:21:22Z"));
  CHECK_FALSE(parse_rfc3339("2026-11-26T23:21:22"));
}
