#include <rafthttp/detail/go_format.hpp>

#include "support/go_text.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

using namespace rafthttp;
using test::json_float;
using test::prometheus_float;

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
