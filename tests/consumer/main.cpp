// An embedding raft project's first contact with the library: one include,
// a message encoded as Go 3.4 encodes it and decoded back.
#include <rafthttp/rafthttp.hpp>

#include <cstdio>

int main() {
  rafthttp::message m;
  m.type = rafthttp::message_type::MsgHeartbeat;
  m.to = 2;
  m.from = 1;
  m.term = 5;
  m.commit = 10;
  const auto bytes = rafthttp::raftpb::encode(m);
  rafthttp::message back;
  const auto ec = rafthttp::raftpb::decode(bytes, back);
  // etcd 3.4.23's raftpb Marshal writes this heartbeat in 30 bytes (every
  // scalar field and an empty snapshot, doc/protocol.md 5.2).
  const bool ok = !ec && back == m && bytes.size() == 30;
  std::printf("%s: %zu bytes, %s\n", ok ? "ok" : "FAILED", bytes.size(), rafthttp::raftpb::to_string(back.type).c_str());
  return ok ? 0 : 1;
}
