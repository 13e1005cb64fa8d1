#include <rafthttp/error.hpp>

#include <doctest/doctest.h>

TEST_CASE("errors are std::error_codes of our own category") {
  std::error_code ec = rafthttp::errc::frame_too_large;
  CHECK(ec.category().name() == std::string("rafthttp"));
  CHECK(ec.message() == "rafthttp: error limit exceeded");
  CHECK(ec == rafthttp::errc::frame_too_large);
  CHECK(ec != rafthttp::errc::truncated);
  CHECK(std::error_code(rafthttp::errc::truncated).message() == "unexpected EOF");
}
