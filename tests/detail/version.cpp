// Go: TestCompareMajorMinorVersion, TestServerVersion, TestMinClusterVersion,
// TestCheckVersionCompatibility, TestCheckStreamSupport, TestStreamSupportCurrentVersion.
#include <rafthttp/detail/version.hpp>

#include <doctest/doctest.h>

using namespace rafthttp::detail;

namespace {
semver v(std::string_view text) { return parse_semver(text).value(); }
}  // namespace

TEST_CASE("semver parses strictly, as etcd 3.4's library") {
  CHECK(parse_semver("3.4.23"));
  CHECK(parse_semver("3.4.0-alpha.1+abc"));
  CHECK(parse_semver("3.8.0-alpha.0"));
  CHECK_FALSE(parse_semver("3.4"));
  CHECK_FALSE(parse_semver("v3.4.0"));
  CHECK_FALSE(parse_semver("3.04.0"));
  CHECK_FALSE(parse_semver("3.4.0-"));
  CHECK_FALSE(parse_semver("3.4.0+"));
  CHECK_FALSE(parse_semver("3.4.0 "));
  CHECK_FALSE(parse_semver(""));
}

TEST_CASE("major.minor comparisons ignore patch and pre-release") {
  CHECK_FALSE(minor_less(v("2.2.0"), v("2.2.0")));
  CHECK(minor_less(v("2.1.0"), v("2.2.0")));
  CHECK_FALSE(minor_less(v("2.3.0"), v("2.2.0")));
  CHECK_FALSE(minor_less(v("2.2.1"), v("2.2.0")));
  CHECK_FALSE(minor_less(v("2.2.0-alpha"), v("2.2.0")));
  CHECK(minor_less(v("2.99.0"), v("3.0.0")));
}

TEST_CASE("missing version headers mean 2.0.0") {
  CHECK(header_version("")->major == 2);
  CHECK(header_version("")->minor == 0);
  CHECK(header_version("2.1.0-alpha.0+git")->minor == 1);
  CHECK_FALSE(header_version("bad"));
}

TEST_CASE("compatibility as Go's checkVersionCompatibility") {
  const auto local = v("3.4.23"), local_min = v("3.0.0");
  CHECK(compatible(local, local_min, v("3.4.23"), v("3.0.0")));
  CHECK(compatible(local, local_min, v("3.0.0"), v("0.0.0")));
  CHECK(compatible(local, local_min, v("4.0.0"), v("3.4.0")));
  CHECK_FALSE(compatible(local, local_min, v("2.0.0"), v("2.0.0")));
  CHECK_FALSE(compatible(local, local_min, v("4.0.0"), v("4.0.0")));
  CHECK_FALSE(compatible(local, local_min, v("3.5.0"), v("3.5.0")));
}

TEST_CASE("stream support by server version") {
  CHECK_FALSE(supports_streams(v("2.0.0")));
  CHECK(supports_streams(v("2.1.0")));
  CHECK(supports_streams(v("3.4.23")));
  CHECK(supports_streams(v("3.4.0-alpha.1")));
  CHECK(supports_streams(v("3.6.14")));
  CHECK(supports_streams(v("3.8.0-alpha.0")));
  CHECK_FALSE(supports_streams(v("1.0.0")));
}
