// Errors of the HTTP layer (http/): a category of its own, as Beast's
// http::error. Where a portable condition exists the code maps to it, so that
// `ec == std::errc::timed_out` holds for a read deadline that passed.
#pragma once

#include <string>
#include <system_error>

namespace rafthttp::http {

enum class errc {
  parse_error = 1,       // llhttp rejected the bytes
  header_too_large,      // request or response head above the limit
  body_too_large,        // request or response body above the limit
  timeout,               // a read, write, dial or header deadline passed
  connection_closed,     // the other side ended the connection
  unexpected_status,     // an HTTP status the caller does not accept
  tls_handshake_failed,  // the TLS handshake did not complete
  tls_rejected,          // the peer's certificate failed etcd's checks (CN, host name, SAN, CRL)
  tls_configuration,     // our certificate, key, CA or cipher settings cannot be used
  invalid_url,           // not a URL we can dial or listen on (etcd's peer URLs: http(s)://host:port)
};

class error_category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "rafthttp.http"; }

  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::parse_error: return "malformed HTTP";
      case errc::header_too_large: return "HTTP header too large";
      case errc::body_too_large: return "HTTP body too large";
      case errc::timeout: return "i/o timeout";
      case errc::connection_closed: return "connection closed";
      case errc::unexpected_status: return "unexpected http status";
      case errc::tls_handshake_failed: return "TLS handshake failed";
      case errc::tls_rejected: return "peer certificate rejected";
      case errc::tls_configuration: return "unusable TLS configuration";
      case errc::invalid_url: return "invalid peer URL";
    }
    return "rafthttp.http error " + std::to_string(value);
  }

  [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value)) {
      case errc::parse_error: return std::errc::bad_message;
      case errc::header_too_large:
      case errc::body_too_large: return std::errc::message_size;
      case errc::timeout: return std::errc::timed_out;
      case errc::connection_closed: return std::errc::connection_reset;
      case errc::tls_rejected: return std::errc::permission_denied;
      case errc::invalid_url: return std::errc::invalid_argument;
      default: return {value, *this};
    }
  }
};

[[nodiscard]] inline const std::error_category& http_category() noexcept {
  static const error_category category;
  return category;
}

[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), http_category()};
}

}  // namespace rafthttp::http

template <>
struct std::is_error_code_enum<rafthttp::http::errc> : std::true_type {};
