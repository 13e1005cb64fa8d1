// What the parts of one peer (or remote) share: its id, status, URL picker,
// pause flag and the bytes queued for it. The peer object owns it; coroutines
// keep the owner alive while they run.
#pragma once

#include <rafthttp/detail/core.hpp>
#include <rafthttp/detail/notifier.hpp>
#include <rafthttp/peer_status.hpp>
#include <rafthttp/url_picker.hpp>

#include <algorithm>
#include <memory>
#include <string>

namespace rafthttp::detail {

struct peer_context {
  peer_context(std::shared_ptr<detail::core> c, member_id peer_id, url_list urls)
      : core(std::move(c)),
        id(peer_id),
        id_text(format_id(peer_id)),
        status(*core, peer_id),
        picker(std::move(urls)),
        room(core->executor) {}
  peer_context(const peer_context&) = delete;

  // Once stopped, nothing may reach the Raft policy any more.
  [[nodiscard]] bool stopped() const { return peer_stopped || core->stopped; }

  void report_unreachable() const {
    if (!stopped()) core->raft.report_unreachable(core->raft.self, id);
  }
  void report_snapshot(snapshot_status s) const {
    if (!stopped()) core->raft.report_snapshot(core->raft.self, id, s);
  }

  // Whether `bytes` more may be queued for this peer (beyond etcd: a byte cap).
  [[nodiscard]] bool has_room_for(std::size_t bytes) const {
    return queued_bytes + bytes <= core->options.max_queued_bytes_per_peer;
  }

  // Queued bytes left a queue: wakes senders waiting for room (async_send).
  void release(std::size_t bytes) {
    queued_bytes -= std::min(queued_bytes, bytes);
    room.notify();
  }

  std::shared_ptr<detail::core> core;
  member_id id;
  std::string id_text;
  peer_status status;
  url_picker picker;
  bool paused = false;
  bool peer_stopped = false;
  std::size_t queued_bytes = 0;  // encoded bytes waiting in stream writers and pipeline
  notifier room;                 // notified whenever a queue shrinks
};

}  // namespace rafthttp::detail
