#include <rafthttp/id.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;

TEST_CASE("ids format canonically") {
  CHECK(format_id(0) == "0");
  CHECK(format_id(1) == "1");
  CHECK(format_id(0x7b) == "7b");
  CHECK(format_id(0x8e9e05c52164694dULL) == "8e9e05c52164694d");
  CHECK(format_id(~0ULL) == "ffffffffffffffff");
}

TEST_CASE("ids parse as Go's ParseUint(s, 16, 64)") {
  CHECK(parse_id("7b") == 0x7b);
  CHECK(parse_id("7B") == 0x7b);
  CHECK(parse_id("0002") == 2);
  CHECK(parse_id("ffffffffffffffff") == ~0ULL);
  CHECK_FALSE(parse_id(""));
  CHECK_FALSE(parse_id("0x7b"));
  CHECK_FALSE(parse_id("zz"));
  CHECK_FALSE(parse_id("-1"));
  CHECK_FALSE(parse_id("10000000000000000"));
}

TEST_CASE("peer URL lists follow etcd's rules and order") {
  auto list = url_list::parse(std::string_view(" http://10.0.0.1:2380 ,http://10.0.0.1:12380"));
  REQUIRE(list);
  CHECK(list->joined() == "http://10.0.0.1:12380,http://10.0.0.1:2380");
  CHECK((*list)[0].host == "10.0.0.1");
  CHECK((*list)[0].port == "12380");
  auto v6 = parse_peer_url("https://[::1]:2380");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->uses_tls());
  CHECK_FALSE(parse_peer_url("ftp://a:1"));
  CHECK_FALSE(parse_peer_url("http://a"));
  CHECK_FALSE(parse_peer_url("http://a:1/"));
  CHECK_FALSE(parse_peer_url("http://a:1/raft"));
  CHECK_FALSE(parse_peer_url("http://a:99999"));
  CHECK_FALSE(parse_peer_url("http://::1:80"));
  CHECK_FALSE(url_list::parse(std::vector<std::string>{}));
  CHECK_FALSE(url_list::parse(std::string_view("http://a:1,bad")));
}
