// The byte units the limits are written in, and the etcd constants named there.
#include <rafthttp/units.hpp>

#include <doctest/doctest.h>

TEST_CASE("kib and mib are binary units") {
  CHECK(rafthttp::kib == 1024);
  CHECK(rafthttp::mib == 1024 * 1024);
}

TEST_CASE("etcd's constants have etcd's values") {
  using namespace std::chrono_literals;
  CHECK(rafthttp::etcd::conn_read_timeout == 5s);
  CHECK(rafthttp::etcd::conn_write_timeout == 5s);
  CHECK(rafthttp::etcd::read_bytes_limit == 512 * 1024 * 1024);
  CHECK(rafthttp::etcd::snapshot_limit_bytes == 64 * 1024 * 1024);
}
