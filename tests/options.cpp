#include <rafthttp/options.hpp>

#include <doctest/doctest.h>

TEST_CASE("defaults are etcd 3.4's constants") {
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
}
