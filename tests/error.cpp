#include <rafthttp/error.hpp>

#include <doctest/doctest.h>

TEST_CASE("transport errors are std::error_codes of the rafthttp category") {
  const std::error_code ec = rafthttp::errc::queue_full;
  CHECK(ec.category().name() == std::string("rafthttp"));
  CHECK(ec.message() == "sending buffer is full");
  CHECK(ec == rafthttp::errc::queue_full);
  CHECK(ec != rafthttp::errc::paused);
  CHECK(std::error_code(rafthttp::errc::unknown_peer).message() == "member not found");
}

TEST_CASE("transport errors meet the portable conditions they stand for") {
  CHECK(std::error_code(rafthttp::errc::stopped) == std::errc::operation_canceled);
  CHECK(std::error_code(rafthttp::errc::queue_full) == std::errc::no_buffer_space);
  CHECK(std::error_code(rafthttp::errc::unknown_peer) != std::errc::operation_canceled);
  // A cancelled Asio operation and a stopped transport read alike.
  CHECK(std::make_error_code(std::errc::operation_canceled).default_error_condition() ==
        std::error_code(rafthttp::errc::stopped).default_error_condition());
}

TEST_CASE("the three domains are told apart, and rafthttp/error.hpp brings all three") {
  const std::error_code decoding = rafthttp::codec::errc::truncated;
  const std::error_code http = rafthttp::http::errc::timeout;
  const std::error_code transport = rafthttp::errc::stopped;
  CHECK(decoding.category() != http.category());
  CHECK(http.category() != transport.category());
  CHECK(decoding.value() != 0);
  CHECK(decoding != std::error_code(static_cast<int>(rafthttp::codec::errc::truncated), transport.category()));
}
