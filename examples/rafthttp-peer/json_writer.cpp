#include "json_writer.hpp"

#include <charconv>
#include <cstdlib>
#include <cmath>

namespace peer_cli {

void json_writer::separate() {
  if (need_comma_) out_ += ',';
}

json_writer& json_writer::begin_object() {
  separate();
  out_ += '{';
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::end_object() {
  out_ += '}';
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::begin_array() {
  separate();
  out_ += '[';
  need_comma_ = false;
  return *this;
}

json_writer& json_writer::end_array() {
  out_ += ']';
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  value(name);
  out_ += ':';
  need_comma_ = false;
  return *this;
}

// Escapes as Go does: quotes, backslashes and control characters, and also
// <, > and & (Go's HTML-safe default).
json_writer& json_writer::value(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  separate();
  out_ += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += c;
    } else if (c == '\n') {
      out_ += "\\n";
    } else if (c == '\r') {
      out_ += "\\r";
    } else if (c == '\t') {
      out_ += "\\t";
    } else if (u < 0x20 || c == '<' || c == '>' || c == '&') {
      out_ += "\\u00";
      out_ += hex[u >> 4];
      out_ += hex[u & 0xf];
    } else {
      out_ += c;
    }
  }
  out_ += '"';
  need_comma_ = true;
  return *this;
}

json_writer& json_writer::value(bool b) { return number(b ? "true" : "false"); }

json_writer& json_writer::null() { return number("null"); }

// Go: shortest round-trip digits, plain notation unless the magnitude is
// below 1e-6 or at least 1e21, then exponent notation without a leading zero
// in a negative exponent ("1e-7"). NaN and infinities are not JSON: 0.
json_writer& json_writer::value(float f) {
  // 27.6f is 27.600000381... as a double: print the float's own shortest
  // digits (27.6) by going through them.
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, f);
  return value(std::strtod(std::string(text, result.ptr).c_str(), nullptr));
}

json_writer& json_writer::value(double d) {
  if (!std::isfinite(d)) d = 0;
  const double magnitude = std::fabs(d);
  const bool exponent = magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21);
  char text[64];
  const auto result =
      std::to_chars(text, text + sizeof text, d, exponent ? std::chars_format::scientific : std::chars_format::fixed);
  std::string digits(text, result.ptr);
  const auto n = digits.size();
  if (exponent && n >= 4 && digits[n - 4] == 'e' && digits[n - 3] == '-' && digits[n - 2] == '0') digits.erase(n - 2, 1);
  return number(digits);
}

json_writer& json_writer::number(const std::string& digits) {
  separate();
  out_ += digits;
  need_comma_ = true;
  return *this;
}

}  // namespace peer_cli
