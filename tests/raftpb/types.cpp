#include <rafthttp/raftpb/types.hpp>

#include <doctest/doctest.h>

using namespace rafthttp::raftpb;

TEST_CASE("message types carry etcd's names") {
  CHECK(to_string(message_type::MsgApp) == "MsgApp");
  CHECK(to_string(message_type::MsgHup) == "MsgHup");
  CHECK(to_string(message_type::MsgPreVoteResp) == "MsgPreVoteResp");
  CHECK(to_string(static_cast<message_type>(99)) == "99");
  CHECK(to_string(entry_type::EntryConfChangeV2) == "EntryConfChangeV2");
}

TEST_CASE("bytes tell absent from present-but-empty") {
  bytes absent;
  bytes empty = "";
  CHECK_FALSE(absent.has_value());
  CHECK(empty.has_value());
  CHECK(absent != empty);
  empty.reset();
  CHECK(absent == empty);
}

TEST_CASE("link heartbeats are MsgHeartbeat without From and To") {
  CHECK(is_link_heartbeat(link_heartbeat()));
  auto m = link_heartbeat();
  m.to = 2;
  CHECK_FALSE(is_link_heartbeat(m));
}
