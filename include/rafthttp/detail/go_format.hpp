// How Go writes numbers, durations and JSON strings, byte for byte: the
// Prometheus text format (metrics/registry.hpp), etcd's v2 statistics
// (v2stats.hpp) and the member endpoints (member_endpoints.hpp) print what a
// Go member prints.
#pragma once

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace rafthttp::detail {

// A finite, non-zero double as its shortest round-trip decimal digits and the
// position of the decimal point: value = 0.d1d2d3... × 10^point.
struct decimal_digits {
  bool negative = false;
  std::string digits;
  int point = 0;
};

[[nodiscard]] inline decimal_digits shortest_digits(double v) {
  char text[40];
  const auto end = std::to_chars(text, text + sizeof text, v, std::chars_format::scientific).ptr;
  const std::string_view s(text, static_cast<std::size_t>(end - text));
  decimal_digits out;
  std::size_t at = 0;
  if (s[at] == '-') {
    out.negative = true;
    ++at;
  }
  const std::size_t e = s.find('e');
  for (; at < e; ++at)
    if (s[at] != '.') out.digits += s[at];
  int exponent = 0;
  const char* exp_begin = s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0);
  std::from_chars(exp_begin, s.data() + s.size(), exponent);
  out.point = exponent + 1;
  return out;
}

// Go's fmtE: d.ddde±XX (at least two exponent digits).
inline void append_exponent_form(std::string& out, const decimal_digits& d) {
  if (d.negative) out += '-';
  out += d.digits[0];
  if (d.digits.size() > 1) {
    out += '.';
    out.append(d.digits, 1);
  }
  const int exponent = d.point - 1;
  out += exponent < 0 ? "e-" : "e+";
  const int magnitude = std::abs(exponent);
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
}

// Go's fmtF with the shortest digits: no exponent, zeros padded as needed.
inline void append_fixed_form(std::string& out, const decimal_digits& d) {
  if (d.negative) out += '-';
  const int n = static_cast<int>(d.digits.size());
  if (d.point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-d.point), '0');
    out += d.digits;
    return;
  }
  if (d.point >= n) {
    out += d.digits;
    out.append(static_cast<std::size_t>(d.point - n), '0');
    return;
  }
  out.append(d.digits, 0, static_cast<std::size_t>(d.point));
  out += '.';
  out.append(d.digits, static_cast<std::size_t>(d.point));
}

// How client_golang's text writer prints a sample value or an `le` bound:
// NaN and ±Inf by name, otherwise strconv.FormatFloat(v, 'g', -1, 64): the
// shortest digits, in exponent form when the decimal exponent is below -4 or
// at least 6 (Go decides with precision 6 when the precision is shortest),
// so 123456 but 1.234567e+06, 0.0001 but 1e-05.
inline void append_prometheus_float(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == 0) {
    out += '0';
  } else {
    const auto d = shortest_digits(v);
    const int exponent = d.point - 1;
    if (exponent < -4 || exponent >= 6) append_exponent_form(out, d);
    else append_fixed_form(out, d);
  }
}

// How Go's encoding/json writes a float64: fixed form, exponent form below
// 1e-6 and from 1e21 on (with "e-07" shortened to "e-7").
inline void append_json_float(std::string& out, double v) {
  if (!std::isfinite(v) || v == 0) {  // Go refuses NaN/Inf; 0 is what we can say
    out += '0';
    return;
  }
  const auto d = shortest_digits(v);
  const double magnitude = std::abs(v);
  if (magnitude >= 1e-6 && magnitude < 1e21) {
    append_fixed_form(out, d);
    return;
  }
  std::string e;
  append_exponent_form(e, d);
  const std::size_t n = e.size();
  if (n >= 4 && e[n - 4] == 'e' && e[n - 3] == '-' && e[n - 2] == '0') e.erase(n - 2, 1);
  out += e;
}

// Go's time.Duration.String(): "0s", "1.5µs", "999.999999ms", "1m2.005s", "3h2m1s".
[[nodiscard]] inline std::string go_duration_string(std::chrono::nanoseconds d) {
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  std::uint64_t u = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  // value / 10^decimals, trailing zeros (and a bare point) dropped.
  auto fraction = [](std::uint64_t value, std::size_t decimals) {
    std::string whole = std::to_string(value);
    if (whole.size() <= decimals) whole.insert(0, decimals + 1 - whole.size(), '0');
    std::string text = whole.substr(0, whole.size() - decimals) + "." + whole.substr(whole.size() - decimals);
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    return text;
  };
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) return sign + fraction(u, 3) + "µs";
  if (u < 1'000'000'000) return sign + fraction(u, 6) + "ms";
  const std::uint64_t hours = u / 3'600'000'000'000;
  const std::uint64_t minutes = u / 60'000'000'000 % 60;
  std::string text = sign;
  if (hours > 0) text += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) text += std::to_string(minutes) + "m";
  return text + fraction(u % 60'000'000'000, 9) + "s";
}

inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace rafthttp::detail
