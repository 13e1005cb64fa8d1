// The wire profiles: one per supported etcd minor, each presenting the
// release the interop suite runs against (tests/interop/etcd-versions, the one
// place that names them; this test keeps the library's table equal to it).
#include <rafthttp/etcd_version.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

using namespace rafthttp;

TEST_CASE("etcd versions parse from a minor or a full release") {
  CHECK(parse_etcd_version("3.4") == etcd_version::v3_4);
  CHECK(parse_etcd_version("3.5.36") == etcd_version::v3_5);
  CHECK(parse_etcd_version("3.6.0") == etcd_version::v3_6);
  CHECK(parse_etcd_version("3.7") == etcd_version::v3_7);
  for (const char* bad : {"", "3", "3.3", "3.8", "3.7.", "3.7.x", "v3.7", "3.70", "3.7-rc.1", "4.0"})
    CHECK_FALSE(parse_etcd_version(bad).has_value());
  for (auto v : {etcd_version::v3_4, etcd_version::v3_5, etcd_version::v3_6, etcd_version::v3_7})
    CHECK(parse_etcd_version(to_string(v)) == v);
  CHECK(newest_etcd_version == etcd_version::v3_7);
}

TEST_CASE("each profile: its wire style, snapshot envelope limit and /version fields") {
  using raftpb::wire_style;
  CHECK(profile_of(etcd_version::v3_4).wire_style == wire_style::etcd_3_4);
  CHECK(profile_of(etcd_version::v3_5).wire_style == wire_style::etcd_3_4);  // 3.5's raftpb encodes as 3.4's
  CHECK(profile_of(etcd_version::v3_6).wire_style == wire_style::etcd_3_6);
  CHECK(profile_of(etcd_version::v3_7).wire_style == wire_style::etcd_3_7);
  CHECK(profile_of(etcd_version::v3_6).max_snapshot_envelope_bytes == 64 * mib);  // etcd 3.6.14 http.go
  CHECK(profile_of(etcd_version::v3_7).max_snapshot_envelope_bytes == 64 * mib);  // etcd 3.7.1 http.go
  CHECK_FALSE(profile_of(etcd_version::v3_5).reports_storage_version);
  CHECK(profile_of(etcd_version::v3_6).reports_storage_version);
}

TEST_CASE("the profiles present exactly the releases the interop suite proves against") {
  std::ifstream file(RAFTHTTP_ETCD_VERSIONS_FILE);
  REQUIRE(file);
  std::map<std::string, std::string> releases;  // minor -> version
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string minor, version;
    fields >> minor >> version;
    releases[minor] = version;
  }
  REQUIRE(releases.size() == 4);
  for (auto v : {etcd_version::v3_4, etcd_version::v3_5, etcd_version::v3_6, etcd_version::v3_7})
    CHECK(releases[std::string(to_string(v))] == profile_of(v).server_version);
}
