// The byte units the limits are written in.
#include <rafthttp/units.hpp>

#include <doctest/doctest.h>

TEST_CASE("kib and mib are binary units") {
  CHECK(rafthttp::kib == 1024);
  CHECK(rafthttp::mib == 1024 * 1024);
}
