// The options of the HTTP layer: its server (doc/protocol.md 2.7, 12), its
// clients (doc/protocol.md 9) and peer TLS (doc/protocol.md 14). http/ takes
// its settings from here and nothing from the transport above it;
// transport_options (rafthttp/options.hpp) holds one of each, as `server`,
// `client` and `tls`, under the names http_server_options,
// http_client_options and tls_options. Defaults are etcd's (units.hpp names
// the constants shared with the layers above), or ours where marked
// "beyond etcd".
#pragma once

#include <rafthttp/units.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

namespace rafthttp::http {

// Peer TLS (doc/protocol.md 14), named as etcd's --peer-* flags. https:// URLs use
// it; http:// URLs never do.
struct tls_options {
  std::string cert_file;        // own certificate: served, and presented as client
  std::string key_file;
  std::string trusted_ca_file;  // verifies the other side; a server then requires client certificates
  bool client_cert_auth = false;  // server: require and verify client certificates
  std::string crl_file;         // server: reject client certificates it revokes (re-read per connection)
  // --peer-cert-allowed-cn / --peer-cert-allowed-hostname, lists since etcd
  // 3.5.15: the peer certificate's subject CN must be one of allowed_cns, or
  // it must be valid for one of allowed_hostnames (not both lists at once).
  std::vector<std::string> allowed_cns;
  std::vector<std::string> allowed_hostnames;
  bool insecure_skip_verify = false;    // client: do not verify servers
  bool skip_client_san_verify = false;  // server: skip the client-SAN-vs-source-address check
  std::string server_name;      // client: the name to verify servers as (default: the URL's host)
  std::string cipher_suites;    // OpenSSL cipher list for TLS 1.2; empty: OpenSSL's defaults
  // Server: how a client certificate's DNS SANs are looked up (to find the
  // connection's source address among their addresses). Empty: the system's
  // resolver, on Asio's resolver thread, never blocking the event loop.
  std::function<asio::awaitable<std::vector<asio::ip::address>>(std::string name)> resolve_name;
  // A handshake must complete within this (etcd 3.5.33, 3.6.14, 3.7.1:
  // tlsHandshakeTimeout on the listener; we bound our client side too).
  duration handshake_timeout = std::chrono::seconds(10);
};

// The HTTP server under the transport's handlers (doc/protocol.md 2.7, 12).
struct server_options {
  // Go's http.DefaultMaxHeaderBytes (1 MiB) is generous; a request head of etcd's
  // is a few hundred bytes. Beyond etcd: a tighter bound.
  std::size_t max_header_bytes = 64 * kib;
  // Largest request body buffered whole (POST /raft). Go has none; ours equals
  // readBytesLimit, the largest message a stream accepts. Beyond etcd.
  std::size_t max_body_bytes = etcd::read_bytes_limit;
  // ConnReadTimeout: Go arms a 5 s deadline on every read of a peer connection,
  // so a silent or trickling client loses its connection. We bound the whole
  // request head by it (the idle wait of a keep-alive connection included:
  // an idle connection is closed after it), and every body read.
  duration read_timeout = etcd::conn_read_timeout;
  // ConnWriteTimeout: every write to a peer connection.
  duration write_timeout = etcd::conn_write_timeout;
  // Beyond etcd: connections served at once; further ones are closed at accept.
  std::size_t max_connections = 1024;
};

// The HTTP clients of streams, pipeline, snapshots and probes (doc/protocol.md 9).
struct client_options {
  // DialTimeout: etcd's server sets 1 s + election timeout (default 10 × 100 ms).
  duration dial_timeout = std::chrono::seconds(2);
  // ConnReadTimeout / ConnWriteTimeout: per read and write on stream connections
  // (the pipeline client of Go has none; ours applies write_timeout to requests).
  duration read_timeout = etcd::conn_read_timeout;
  duration write_timeout = etcd::conn_write_timeout;
  // Beyond etcd: largest response head accepted.
  std::size_t max_header_bytes = 64 * kib;
  // Beyond etcd: largest error-response body read (bodies of 4xx/5xx are short).
  std::size_t max_error_body_bytes = 64 * kib;
  // A pooled keep-alive connection idle longer than this is not reused: a Go peer
  // closes idle connections after 5 s (doc/protocol.md 2.7).
  duration pool_idle_timeout = std::chrono::seconds(4);
  // MaxIdleConnsPerHost of the pipeline client: 1024 in Go; 4 workers need 4.
  std::size_t max_idle_connections = 8;
};

}  // namespace rafthttp::http
