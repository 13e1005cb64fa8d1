// What the parts of one peer (or remote) share: its id, status, URL picker,
// pause flag, the bytes queued for it, its metric series and follower stats.
// The peer object owns it; coroutines keep the owner alive while they run.
#pragma once

#include <rafthttp/detail/core.hpp>
#include <rafthttp/detail/delivery_check.hpp>
#include <rafthttp/detail/notifier.hpp>
#include <rafthttp/metrics/network.hpp>
#include <rafthttp/peer_status.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/url_picker.hpp>
#include <rafthttp/v2stats.hpp>

#include <algorithm>
#include <cassert>
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace rafthttp::detail {

struct peer_context {
  peer_context(std::shared_ptr<detail::core> c, member_id peer_id, url_list urls)
      : core(std::move(c)),
        id(peer_id),
        id_text(format_id(peer_id)),
        status(core->log, core->local_id, core->metrics, peer_id),
        picker(std::move(urls)),
        room(core->executor),
        series(core->metrics, id_text),
        send_drops(core->options.drop_log_interval),
        receive_drops(core->options.drop_log_interval),
        unknown_types(core->options.drop_log_interval),
        misaddressed(core->options.drop_log_interval) {}
  peer_context(const peer_context&) = delete;

  // Once stopped, nothing may reach the Raft policy any more.
  [[nodiscard]] bool stopped() const { return peer_stopped || core->stopped; }

  void report_unreachable() const {
    if (!stopped()) core->raft.report_unreachable(id);
  }
  void report_snapshot(snapshot_status s) const {
    if (!stopped()) core->raft.report_snapshot(id, s);
  }

  // Whether `bytes` more may be queued for this peer (beyond etcd: a byte cap).
  [[nodiscard]] bool has_room_for(std::size_t bytes) const {
    return queued_bytes + bytes <= core->options.max_queued_bytes_per_peer;
  }

  // Messages left a queue for a write or a POST: their slots are free, so
  // senders waiting for room (async_send) look again.
  void dequeued() { room.notify(); }

  // Counted bytes were written or dropped: wakes senders waiting for room.
  void release(std::size_t bytes) {
    assert(bytes <= queued_bytes);
    queued_bytes -= std::min(queued_bytes, bytes);
    room.notify();
  }

  // ServerStats.SendAppendReq, as etcd's Transport.Send calls it for every
  // MsgApp to a peer; its time comes once per burst (core::stamp_append_requests).
  void count_append_request(std::size_t bytes) {
    core->self_stats.send_append_request_unstamped(bytes);
    core->append_stamp_due = true;
  }

  // A message to this peer was dropped as a queue was full: counted in
  // peer_sent_failures_total{To}, logged as etcd logs it, rate-limited.
  void note_send_drop(const message& m, std::string_view what) {
    series.sent_failures.inc();
    log_drop(send_drops, m, what);
  }

  // A message from this peer was dropped as the receive (or proposal) queue
  // was full: peer_received_failures_total{From=m.From}.
  void note_receive_drop(const message& m) {
    (m.from == id ? series.received_failures : untrusted(core->metrics.received_failures, m.from)).inc();
    log_drop(receive_drops, m,
             status.active() ? "dropped internal Raft message since receiving buffer is full (overloaded network)"
                             : "dropped Raft message since receiving buffer is full (overloaded network)");
  }

  // Whether a message a stream brought may go to raft (detail::check_delivery);
  // a refused one is logged, rate-limited like drops.
  [[nodiscard]] bool admit_received(const message& m) {
    const auto refusal = check_delivery(m, core->options.id);
    if (refusal == delivery_refusal::none) return true;
    if (!core->log.enabled(log_level::warn)) return false;
    const auto n = (refusal == delivery_refusal::unknown_type ? unknown_types : misaddressed).admit();
    if (n == 0) return false;
    core->log(log_level::warn, refusal_text(refusal),
              {{"message-type", raftpb::to_string(m.type)}, {"local-member-id", core->local_id},
               {"mismatch-member-id", format_id(m.to)}, {"remote-peer-id", id_text},
               {"refused-messages", std::to_string(n)}});
    return false;
  }

  // The bytes of a message a stream brought: peer_received_bytes_total{From},
  // "0" for link heartbeats, which name no sender.
  void note_received(const message& m, std::size_t protobuf_bytes) {
    if (m.from == id) series.received_bytes.add(protobuf_bytes);
    else if (m.from == 0) series.link_heartbeat_received_bytes.add(protobuf_bytes);
    else untrusted(core->metrics.received_bytes, m.from).add(protobuf_bytes);
  }

  // The series of a sender id that a message claims (not this peer's).
  [[nodiscard]] counter& untrusted(counter_family& family, member_id from) const {
    return family.with_untrusted({format_id(from)}, core->options.max_untrusted_metric_series);
  }

  // One read of a stream handed to raft (stream_reader::deliver). What raft
  // answers meanwhile waits in the stream writers; when the outermost
  // delivery ends, end_of_delivery (the peer's: its writers' flush) sends it
  // all together.
  class delivery {
   public:
    explicit delivery(peer_context& peer) : peer_(peer) { ++peer_.deliveries_; }
    delivery(const delivery&) = delete;
    delivery& operator=(const delivery&) = delete;
    ~delivery() {
      if (--peer_.deliveries_ == 0 && peer_.end_of_delivery) peer_.end_of_delivery();
    }

   private:
    peer_context& peer_;
  };

  [[nodiscard]] bool delivering() const { return deliveries_ > 0; }

  // When the peer goes: drops counted since the last line are still told.
  void flush_drop_logs() {
    if (!core->log.enabled(log_level::warn)) return;
    for (auto* throttle : {&send_drops, &receive_drops, &unknown_types, &misaddressed}) {
      if (const auto n = throttle->take_held_back(); n > 0)
        core->log(log_level::warn, "dropped Raft messages since the last log line",
                  {{"remote-peer-id", id_text}, {"dropped-messages", std::to_string(n)}});
    }
  }

  std::shared_ptr<detail::core> core;
  member_id id;
  std::string id_text;
  peer_status status;
  url_picker picker;
  bool paused = false;
  bool peer_stopped = false;
  std::size_t queued_bytes = 0;  // encoded bytes in stream writers and pipeline, until written
  notifier room;                 // notified whenever a queue shrinks
  std::function<void()> end_of_delivery;  // what a delivery's end sends (set by the peer)
  peer_series series;            // this peer's etcd_network_* series
  follower_stats* follower = nullptr;  // a peer's (LeaderStats); remotes have none

 private:
  int deliveries_ = 0;  // deliveries under way
  void log_drop(log_throttle& throttle, const message& m, std::string_view what) {
    if (!core->log.enabled(log_level::warn)) return;
    const auto n = throttle.admit();
    if (n == 0) return;
    core->log(log_level::warn, what,
              {{"message-type", raftpb::to_string(m.type)}, {"local-member-id", core->local_id},
               {"from", format_id(m.from)}, {"remote-peer-id", id_text},
               {"remote-peer-active", status.active() ? "true" : "false"}, {"dropped-messages", std::to_string(n)}});
  }

  log_throttle send_drops;
  log_throttle receive_drops;
  log_throttle unknown_types;  // messages check_delivery refused, per reason
  log_throttle misaddressed;
};

}  // namespace rafthttp::detail
