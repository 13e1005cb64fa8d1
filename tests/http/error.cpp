#include <rafthttp/http/error.hpp>

#include <doctest/doctest.h>

TEST_CASE("HTTP errors: their own category and the portable conditions they stand for") {
  using rafthttp::http::errc;
  const std::error_code timeout = errc::timeout;
  CHECK(timeout.category().name() == std::string("rafthttp.http"));
  CHECK(timeout.message() == "i/o timeout");  // Go's text, which etcd logs
  CHECK(timeout == std::errc::timed_out);
  CHECK(std::error_code(errc::parse_error) == std::errc::bad_message);
  CHECK(std::error_code(errc::body_too_large) == std::errc::message_size);
  CHECK(std::error_code(errc::header_too_large) == std::errc::message_size);
  CHECK(std::error_code(errc::connection_closed) == std::errc::connection_reset);
  CHECK(std::error_code(errc::tls_rejected) == std::errc::permission_denied);
  CHECK(std::error_code(errc::invalid_url) == std::errc::invalid_argument);
  // No portable meaning: equal only to themselves.
  CHECK(std::error_code(errc::unexpected_status) != std::errc::timed_out);
  CHECK(std::error_code(errc::unexpected_status) == errc::unexpected_status);
}
