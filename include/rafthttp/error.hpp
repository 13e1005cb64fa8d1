// Errors of rafthttp-cpp as std::error_code, in the manner of Asio and Beast:
// a scoped enum registered with its own category, so that callers compare
// `ec == rafthttp::errc::frame_too_large` and log `ec.message()`.
#pragma once

#include <string>
#include <system_error>

namespace rafthttp {

enum class errc {
  // --- decoding what arrived from the network ---
  truncated = 1,            // input ended inside a value ("unexpected EOF" in Go)
  malformed_protobuf,       // bad varint, wrong wire type, bad tag, length overflow
  frame_too_large,          // a length prefix above the configured limit
  unknown_record_type,      // msgappv2 record type byte other than 0, 1, 2
  too_many_entries,         // msgappv2 entry count above what the input can hold

  // --- HTTP ---
  http_parse_error,         // llhttp rejected the bytes
  header_too_large,         // request or response head above the limit
  body_too_large,           // request or response body above the limit
  timeout,                  // a read, write, dial or header deadline passed
  connection_closed,        // the other side ended the connection
  unexpected_status,        // an HTTP status the caller does not accept
  connection_limit,         // too many connections to accept another
  tls_handshake_failed,     // the TLS handshake did not complete
  tls_rejected,             // the peer's certificate failed etcd's checks (CN, host name, SAN, CRL)
  tls_configuration,        // our certificate, key, CA or cipher settings cannot be used

  // --- rafthttp protocol (doc/protocol.md 2.5, 2.6, 3, 4) ---
  incompatible_version,     // 412 "incompatible version"
  cluster_id_mismatch,      // 412 "cluster ID mismatch"
  to_field_mismatch,        // 412 "to field mismatch"
  member_removed,           // 403 on a POST / 410 on a stream dial: this member was removed
  sender_not_found,         // 404 "error sender not found"
  unsupported_stream_type,  // the server's version cannot serve this stream type
  invalid_id,               // not a 64-bit hex member id
  invalid_url,              // not an etcd peer URL (scheme, host:port, no path)

  // --- local state ---
  stopped,                  // the transport, peer or component was stopped
  unknown_peer,             // no peer (or remote) with that id
  queue_full,               // a send buffer is full; the message was dropped
  paused,                   // the peer is paused; the message was dropped
  snapshot_source_failed,   // the DB body source failed or had the wrong size
  snapshot_save_failed,     // the Snapshotter could not persist the DB
  process_failed,           // Raft::process returned an error
  policy_threw,             // a policy or hook of the user's threw an exception (logged with its what())
  internal_error,           // an exception (a bug of ours, std::bad_alloc) ended the operation (logged)
};

class error_category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "rafthttp"; }

  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::truncated: return "unexpected EOF";
      case errc::malformed_protobuf: return "malformed protobuf";
      case errc::frame_too_large: return "rafthttp: error limit exceeded";
      case errc::unknown_record_type: return "unknown msgappv2 record type";
      case errc::too_many_entries: return "msgappv2 entry count exceeds the input";
      case errc::http_parse_error: return "malformed HTTP";
      case errc::header_too_large: return "HTTP header too large";
      case errc::body_too_large: return "HTTP body too large";
      case errc::timeout: return "i/o timeout";
      case errc::connection_closed: return "connection closed";
      case errc::unexpected_status: return "unexpected http status";
      case errc::connection_limit: return "too many connections";
      case errc::tls_handshake_failed: return "TLS handshake failed";
      case errc::tls_rejected: return "peer certificate rejected";
      case errc::tls_configuration: return "unusable TLS configuration";
      case errc::incompatible_version: return "incompatible version";
      case errc::cluster_id_mismatch: return "cluster ID mismatch";
      case errc::to_field_mismatch: return "to field mismatch";
      case errc::member_removed: return "the member has been permanently removed from the cluster";
      case errc::sender_not_found: return "error sender not found";
      case errc::unsupported_stream_type: return "unsupported stream type";
      case errc::invalid_id: return "invalid member id";
      case errc::invalid_url: return "invalid peer URL";
      case errc::stopped: return "stopped";
      case errc::unknown_peer: return "member not found";
      case errc::queue_full: return "sending buffer is full";
      case errc::paused: return "peer is paused";
      case errc::snapshot_source_failed: return "snapshot body source failed";
      case errc::snapshot_save_failed: return "failed to save KV snapshot";
      case errc::process_failed: return "error processing raft message";
      case errc::policy_threw: return "the policy threw an exception";
      case errc::internal_error: return "internal error (an exception ended the operation)";
    }
    return "rafthttp error " + std::to_string(value);
  }
};

[[nodiscard]] inline const std::error_category& rafthttp_category() noexcept {
  static const error_category category;
  return category;
}

[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), rafthttp_category()};
}

}  // namespace rafthttp

template <>
struct std::is_error_code_enum<rafthttp::errc> : std::true_type {};
