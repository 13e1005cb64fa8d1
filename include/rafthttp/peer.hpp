// A peer (doc/architecture.md 3.1): everything one cluster member keeps for another —
// two stream writers, two stream readers, a pipeline, the inbox raft is fed
// from, a prober, and the status and URL picker they share.
#pragma once

#include <rafthttp/detail/inbox.hpp>
#include <rafthttp/detail/operation.hpp>
#include <rafthttp/detail/peer_context.hpp>
#include <rafthttp/pipeline.hpp>
#include <rafthttp/prober.hpp>
#include <rafthttp/snapshot/sender.hpp>
#include <rafthttp/stream.hpp>

#include <memory>
#include <optional>

namespace rafthttp {

class peer : public std::enable_shared_from_this<peer> {
 public:
  peer(std::shared_ptr<detail::core> core, member_id id, url_list urls)
      : context_(std::move(core), id, std::move(urls)),
        inbox_(context_),
        message_writer_(context_, stream_type::message),
        msgapp_writer_(context_, stream_type::msgapp),
        message_reader_(context_, inbox_, stream_type::message),
        msgapp_reader_(context_, inbox_, stream_type::msgapp),
        pipeline_(std::make_shared<rafthttp::pipeline>(context_)),
        prober_(context_) {
    context_.follower = &follower_;
    context_.end_of_delivery = [this] { flush(); };  // raft's answers leave together
  }
  peer(const peer&) = delete;

  void start() {
    const auto self = shared_from_this();
    inbox_.start(self);
    pipeline_->start(self);
    message_reader_.start(self);
    msgapp_reader_.start(self);
    prober_.start(self);
  }

  // etcd's peer.send (doc/protocol.md 7.1): picks a path and never blocks. A full
  // queue drops the message and tells raft (unreachable; snapshot failure for
  // MsgSnap): errc::queue_full. A paused peer drops silently: errc::paused.
  // Every MsgApp counts in ServerStats first, as etcd's Transport.Send does.
  std::error_code send(const message& m) {
    if (context_.stopped()) return errc::stopped;
    const std::size_t size = raftpb::encoded_size(m, context_.core->wire_style);  // once: stats, byte cap, pipeline
    if (const auto decided = offer(m, size)) return *decided;
    context_.report_unreachable();
    if (m.type == message_type::MsgSnap) context_.report_snapshot(snapshot_status::failure);
    context_.note_send_drop(m, "dropped internal Raft message since sending buffer is full (overloaded network)");
    return errc::queue_full;
  }

  // etcd's snapshot sender: an independent POST per snapshot; on_done gets
  // the outcome (errc::stopped if the peer stops first).
  void send_snapshot(snapshot_message sm) { start_snapshot(std::move(sm), nullptr); }

  // The writer a stream handler hands an incoming connection of `type` to.
  [[nodiscard]] stream_writer& writer(stream_type type) {
    return type == stream_type::message ? message_writer_ : msgapp_writer_;
  }

  // Writes what the streams hold now (stream_writer::flush).
  void flush() {
    message_writer_.flush();
    msgapp_writer_.flush();
  }

  void pause() { context_.paused = true; }
  void resume() { context_.paused = false; }

  // New URLs take effect on the next dial; existing connections stay.
  void update(url_list urls) {
    context_.picker.update(std::move(urls));
    prober_.reset();
  }

  // etcd's stop order: receive side, writers, pipeline, readers. Nothing
  // reaches raft afterwards.
  void stop() {
    context_.peer_stopped = true;
    inbox_.stop();
    message_writer_.stop();
    msgapp_writer_.stop();
    pipeline_->stop();
    message_reader_.stop();
    msgapp_reader_.stop();
    prober_.stop();
    snapshots_.abort_all();
    context_.room.notify();
    context_.flush_drop_logs();
  }

  [[nodiscard]] member_id id() const { return context_.id; }
  [[nodiscard]] const peer_status& status() const { return context_.status; }
  [[nodiscard]] const url_list& urls() const { return context_.picker.urls(); }
  [[nodiscard]] const probe_status& probe() const { return prober_.status(); }
  // etcd's FollowerStats of this peer (an entry of LeaderStats).
  [[nodiscard]] const follower_stats& follower() const { return follower_; }
  [[nodiscard]] bool paused() const { return context_.paused; }
  // Encoded bytes held for this peer, from send() until written (the cap's count).
  [[nodiscard]] std::size_t queued_bytes() const { return context_.queued_bytes; }
  // Messages waiting for a stream writer or pipeline worker to take them.
  [[nodiscard]] std::size_t queued_messages() const {
    return message_writer_.queued() + msgapp_writer_.queued() + pipeline_->queued();
  }
  // Our writer of this stream type is attached: the peer dialled us, so we
  // can send to it over this stream.
  [[nodiscard]] bool streams_attached(stream_type type) const {
    return type == stream_type::message ? message_writer_.working() : msgapp_writer_.working();
  }
  // Our reader of this stream type is attached: we dialled the peer and
  // receive from it over this stream.
  [[nodiscard]] bool reader_attached(stream_type type) const {
    return type == stream_type::message ? message_reader_.attached() : msgapp_reader_.attached();
  }

  // etcd_network_peer_received_bytes_total of this peer, which the
  // handlers count what it sends us in.
  [[nodiscard]] counter& received_bytes() { return context_.series.received_bytes; }

 private:
  // The transport's async_send and async_send_snapshot reach what follows.
  template <raft_policy, snapshotter_policy>
  friend class transport;

  // send_snapshot, ending with operation_aborted if `cancel` is requested
  // first: the transfer ends and raft hears of a failure.
  void start_snapshot(snapshot_message sm, std::shared_ptr<detail::cancellation> cancel) {
    snapshots_.start(shared_from_this(), std::move(sm), std::move(cancel));
  }

  // send()'s first step, and async_send's: counts the message (ServerStats)
  // and queues it if there is room. An answer once the send is decided
  // (queued, or dropped because paused or stopped); none when it must wait
  // for room (wait_to_send).
  std::optional<std::error_code> offer(const message& m, std::size_t size) {
    if (context_.stopped()) return errc::stopped;
    if (m.type == message_type::MsgApp) context_.count_append_request(size);
    return try_queue(m, size);
  }

  // Waits for room and queues `m` (its size: `size`), unless the peer stops
  // or pauses first, or the operation is cancelled: then nothing is queued.
  asio::awaitable<std::error_code> wait_to_send([[maybe_unused]] std::shared_ptr<peer> self, message m,
                                                std::size_t size, std::shared_ptr<detail::cancellation> cancel) {
    auto running = context_.core->tasks.track();
    const detail::wake_on_cancel wake(cancel, [this] { context_.room.notify(); });
    for (;;) {
      if (cancel && cancel->requested) co_return asio::error::operation_aborted;
      if (const auto decided = try_queue(m, size)) co_return *decided;
      co_await context_.room.wait();
    }
  }

  // Queues `m` if there is room: an answer, or none when there is no room.
  std::optional<std::error_code> try_queue(const message& m, std::size_t size) {
    if (context_.stopped()) return errc::stopped;
    if (context_.paused) return errc::paused;
    if (enqueue(m, size)) return std::error_code{};
    return std::nullopt;
  }

  // `size`: m's protobuf size.
  bool enqueue(const message& m, std::size_t size) {
    if (m.type == message_type::MsgSnap) return pipeline_->try_enqueue(m, size);
    if (m.type == message_type::MsgApp && msgapp_writer_.working()) return msgapp_writer_.try_enqueue(m, size);
    if (message_writer_.working()) return message_writer_.try_enqueue(m, size);
    return pipeline_->try_enqueue(m, size);
  }

  detail::peer_context context_;
  follower_stats follower_;
  detail::inbox inbox_;
  stream_writer message_writer_;
  stream_writer msgapp_writer_;
  stream_reader message_reader_;
  stream_reader msgapp_reader_;
  std::shared_ptr<rafthttp::pipeline> pipeline_;
  prober prober_;
  detail::snapshot_senders snapshots_{context_};
};

}  // namespace rafthttp
