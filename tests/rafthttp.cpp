// The umbrella header on its own: everything a user names is reachable.
#include <rafthttp/rafthttp.hpp>

#include <doctest/doctest.h>

TEST_CASE("the umbrella header brings the whole public surface") {
  rafthttp::transport_options options;
  CHECK(options.pipeline_workers == 4);
  rafthttp::message m;
  m.type = rafthttp::message_type::MsgApp;
  CHECK(rafthttp::raftpb::encoded_size(m) == 30);
  CHECK(rafthttp::format_id(0x7b) == "7b");
  CHECK(rafthttp::to_string(rafthttp::snapshot_status::finish) == "finish");
  CHECK(rafthttp::path_segment(rafthttp::stream_type::msgapp) == "msgapp");
}
