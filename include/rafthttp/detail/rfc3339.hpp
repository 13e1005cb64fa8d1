// RFC 3339 times as Go's time.RFC3339Nano writes them ("2026-11-26T23:21:22.403206815Z",
// trailing zeros of the fraction trimmed), for /raft/probing.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace rafthttp::detail {

using system_time = std::chrono::system_clock::time_point;

[[nodiscard]] inline std::string format_rfc3339_nano(system_time t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date(day);
  const hh_mm_ss time(floor<nanoseconds>(t - day));
  char text[64];
  int n = std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(date.year()),
                        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                        static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                        static_cast<long>(time.seconds().count()));
  long long fraction = time.subseconds().count();
  if (fraction != 0) {
    int digits = 9;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --digits;
    }
    n += std::snprintf(text + n, sizeof text - n, ".%0*lld", digits, fraction);
  }
  return std::string(text, n) + "Z";
}

namespace rfc3339_parsing {

inline bool digits(std::string_view& s, int count, int& out) {
  if (static_cast<int>(s.size()) < count) return false;
  out = 0;
  for (int i = 0; i < count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  s.remove_prefix(count);
  return true;
}

inline bool expect(std::string_view& s, char c) {
  if (s.empty() || s[0] != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace rfc3339_parsing

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)".
[[nodiscard]] inline std::optional<system_time> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  using namespace rfc3339_parsing;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 4, y) || !expect(s, '-') || !digits(s, 2, mo) || !expect(s, '-') || !digits(s, 2, d)) return {};
  if (s.empty() || (s[0] != 'T' && s[0] != 't')) return {};
  s.remove_prefix(1);
  if (!digits(s, 2, h) || !expect(s, ':') || !digits(s, 2, mi) || !expect(s, ':') || !digits(s, 2, sec)) return {};
  nanoseconds fraction{0};
  if (!s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    long long scale = 100'000'000, value = 0;
    int count = 0;
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
      if (scale > 0) value += (s[0] - '0') * scale;
      scale /= 10;
      s.remove_prefix(1);
      ++count;
    }
    if (count == 0) return {};
    fraction = nanoseconds(value);
  }
  minutes offset{0};
  if (expect(s, 'Z') || expect(s, 'z')) {
  } else if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    const int sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh = 0, om = 0;
    if (!digits(s, 2, oh) || !expect(s, ':') || !digits(s, 2, om)) return {};
    offset = minutes(sign * (oh * 60 + om));
  } else {
    return {};
  }
  if (!s.empty()) return {};
  const year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!date.ok() || h > 23 || mi > 59 || sec > 60) return {};
  return system_time(sys_days(date).time_since_epoch() + hours(h) + minutes(mi) + seconds(sec) - offset) +
         duration_cast<system_clock::duration>(fraction);
}

}  // namespace rafthttp::detail
