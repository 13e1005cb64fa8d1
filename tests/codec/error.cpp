#include <rafthttp/codec/error.hpp>

#include <doctest/doctest.h>

TEST_CASE("decoding errors: their own category, Go's messages, portable conditions") {
  using rafthttp::codec::errc;
  const std::error_code limit = errc::frame_too_large;
  CHECK(limit.category().name() == std::string("rafthttp.codec"));
  CHECK(limit.message() == "rafthttp: error limit exceeded");
  CHECK(std::error_code(errc::truncated).message() == "unexpected EOF");
  CHECK(limit == std::errc::message_size);
  for (const auto e : {errc::truncated, errc::malformed_protobuf, errc::unknown_record_type, errc::too_many_entries}) {
    CHECK(std::error_code(e) == std::errc::bad_message);
    CHECK(std::error_code(e) != std::errc::message_size);
  }
}
