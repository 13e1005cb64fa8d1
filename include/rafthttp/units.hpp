// Byte units of the limits in the options and etcd_version.hpp, the duration
// type of every timeout, and the etcd constants that more than one default is
// made of, named once here, at the bottom of the include graph, so that every
// layer (codec/, http/, the transport and the release profiles) can take them
// from one place.
#pragma once

#include <chrono>
#include <cstddef>

namespace rafthttp {

inline constexpr std::size_t kib = 1024;
inline constexpr std::size_t mib = 1024 * kib;

// What every timeout and interval of the options is given in.
using duration = std::chrono::nanoseconds;

// etcd's constants (doc/protocol.md 12.1), from etcd's
// server/etcdserver/api/rafthttp/ (Go name and file in each comment).
namespace etcd {

// peer.go: DefaultConnReadTimeout (ConnReadTimeout), the deadline of every
// read on a peer connection; link heartbeats come every third of it, the
// prober every ConnReadTimeout - 1 s (probing_status.go: proberInterval).
inline constexpr std::chrono::milliseconds conn_read_timeout{5000};
// peer.go: DefaultConnWriteTimeout (ConnWriteTimeout), every write's deadline.
inline constexpr std::chrono::milliseconds conn_write_timeout{5000};
// msg_codec.go: readBytesLimit, the largest message-stream frame.
inline constexpr std::size_t read_bytes_limit = 512 * mib;
// http.go: snapshotLimitByte, the largest MsgSnap envelope of
// POST /raft/snapshot from etcd 3.6.14 and 3.7.1.
inline constexpr std::size_t snapshot_limit_bytes = 64 * mib;

}  // namespace etcd

}  // namespace rafthttp
