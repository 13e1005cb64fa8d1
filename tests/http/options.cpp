// The HTTP layer's own options: etcd's timeouts, our bounds.
#include <rafthttp/http/options.hpp>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
namespace http = rafthttp::http;

TEST_CASE("server and client options: etcd's ConnReadTimeout and ConnWriteTimeout, our bounds") {
  const http::server_options server;
  CHECK(server.read_timeout == 5s);
  CHECK(server.write_timeout == 5s);
  CHECK(server.max_header_bytes == 64 * 1024);
  CHECK(server.max_body_bytes == 512u * 1024 * 1024);  // readBytesLimit
  CHECK(server.max_connections == 1024);
  const http::client_options client;
  CHECK(client.dial_timeout == 2s);
  CHECK(client.read_timeout == 5s);
  CHECK(client.write_timeout == 5s);
  CHECK(client.max_header_bytes == 64 * 1024);
  CHECK(client.max_error_body_bytes == 64 * 1024);
  CHECK(client.pool_idle_timeout == 4s);  // under the 5 s after which a Go peer drops idle connections
  CHECK(client.max_idle_connections == 8);
}

TEST_CASE("TLS options: nothing set means no certificates, verification on, a 10 s handshake") {
  const http::tls_options tls;
  CHECK(tls.cert_file.empty());
  CHECK(tls.trusted_ca_file.empty());
  CHECK_FALSE(tls.client_cert_auth);
  CHECK_FALSE(tls.insecure_skip_verify);
  CHECK_FALSE(tls.skip_client_san_verify);
  CHECK_FALSE(tls.resolve_name);
  CHECK(tls.handshake_timeout == 10s);
}
