#include <rafthttp/options.hpp>

#include <doctest/doctest.h>

#include <type_traits>

using namespace std::chrono_literals;

TEST_CASE("defaults are etcd's constants, the same in every supported release") {
  const rafthttp::transport_options o;
  CHECK(o.stream_buffer_size == 4096);
  CHECK(o.recv_buffer_size == 4096);
  CHECK(o.max_pending_proposals == 4096);
  CHECK(o.pipeline_workers == 4);
  CHECK(o.pipeline_buffer_size == 64);
  CHECK(o.codec.max_frame_bytes == 512u * 1024 * 1024);
  CHECK(o.dial_retry_interval == std::chrono::milliseconds(100));
  CHECK(o.prober_interval == std::chrono::seconds(4));
  CHECK(o.server.read_timeout == std::chrono::seconds(5));
  CHECK(o.min_cluster_version == "3.0.0");
  CHECK(o.version == rafthttp::newest_etcd_version);
  CHECK(o.server_version.empty());  // the profile's
  CHECK(o.max_snapshot_envelope_bytes == 0);  // the profile's
}

TEST_CASE("set_raft_timeouts sets what etcd's --raft-read-timeout and --raft-write-timeout set") {
  rafthttp::transport_options o;
  rafthttp::set_raft_timeouts(o, 15s, 7s);
  CHECK(o.server.read_timeout == 15s);
  CHECK(o.client.read_timeout == 15s);
  CHECK(o.server.write_timeout == 7s);
  CHECK(o.client.write_timeout == 7s);
  CHECK(o.link_heartbeat_interval == 5s);  // a third of the read timeout, as etcd's stream writer
  CHECK(o.prober_interval == 4s);          // fixed when etcd starts, whatever the flags
}

TEST_CASE("the HTTP layer's options are the transport's server, client and tls, under their old names") {
  static_assert(std::is_same_v<rafthttp::http_server_options, rafthttp::http::server_options>);
  static_assert(std::is_same_v<rafthttp::http_client_options, rafthttp::http::client_options>);
  static_assert(std::is_same_v<rafthttp::tls_options, rafthttp::http::tls_options>);
  const rafthttp::transport_options o;
  CHECK(o.server.max_body_bytes == rafthttp::http::server_options{}.max_body_bytes);
  CHECK(o.client.dial_timeout == rafthttp::http::client_options{}.dial_timeout);
  CHECK(o.tls.handshake_timeout == rafthttp::http::tls_options{}.handshake_timeout);
}
