// The library's Go number formats (detail/go_format.hpp) as strings, for checks.
#pragma once

#include <rafthttp/detail/go_format.hpp>

#include <string>

namespace rafthttp::test {

inline std::string prometheus_float(double v) {
  std::string s;
  detail::append_prometheus_float(s, v);
  return s;
}

inline std::string json_float(double v) {
  std::string s;
  detail::append_json_float(s, v);
  return s;
}

}  // namespace rafthttp::test
