// Where a peer's stream readers put what they received (doc/protocol.md 6.6).
// A synchronous Raft::process is called at once. An awaitable one is fed from
// two bounded queues, each drained by its own coroutine, as etcd's recvc and
// propc: MsgProp waits while there is no leader and must not hold up the rest;
// a full queue drops the message, which etcd reports to nobody.
#pragma once

#include <rafthttp/detail/notifier.hpp>
#include <rafthttp/detail/peer_context.hpp>
#include <rafthttp/detail/spawn.hpp>
#include <rafthttp/raftpb/types.hpp>

#include <memory>
#include <vector>

namespace rafthttp::detail {

// A ring of reusable message slots: push and pop swap, so the capacity of the
// messages' vectors and strings circulates instead of being reallocated.
class message_ring {
 public:
  explicit message_ring(std::size_t capacity) : slots_(capacity) {}

  [[nodiscard]] bool full() const { return size_ == slots_.size(); }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t size() const { return size_; }

  // Takes m's content (m gets back an old slot's storage).
  void push(message& m) {
    std::swap(slots_[(head_ + size_) % slots_.size()], m);
    ++size_;
  }
  void pop(message& out) {
    std::swap(slots_[head_], out);
    head_ = (head_ + 1) % slots_.size();
    --size_;
  }
  void clear() { head_ = size_ = 0; }

 private:
  std::vector<message> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

class inbox {
 public:
  explicit inbox(peer_context& peer)
      : peer_(peer),
        received_(peer.core->raft.synchronous() ? 0 : peer.core->options.recv_buffer_size),
        proposals_(peer.core->raft.synchronous() ? 0 : peer.core->options.max_pending_proposals),
        received_ready_(peer.core->executor),
        proposals_ready_(peer.core->executor) {}

  // Starts the two workers (only an awaitable process needs them).
  void start(const std::shared_ptr<void>& keep_alive) {
    if (peer_.core->raft.synchronous()) return;
    start_drain(received_, received_ready_, keep_alive);
    start_drain(proposals_, proposals_ready_, keep_alive);
  }

  void stop() {
    received_.clear();
    proposals_.clear();
    received_ready_.notify();
    proposals_ready_.notify();
  }

  // Never blocks. Returns false when the message was dropped (queue full;
  // counted in peer_received_failures_total and logged, rate-limited).
  bool deliver(message& m) {
    if (peer_.stopped()) return true;
    auto& core = *peer_.core;
    if (core.raft.synchronous()) {
      if (const auto ec = core.raft.process_now(m)) log_process_error(m, ec);
      return true;
    }
    const bool proposal = m.type == message_type::MsgProp;
    auto& queue = proposal ? proposals_ : received_;
    if (queue.full()) {
      peer_.note_receive_drop(m);
      return false;
    }
    queue.push(m);
    (proposal ? proposals_ready_ : received_ready_).notify();
    return true;
  }

 private:
  // A drain that an exception ended starts again: the queue is not left to fill.
  void start_drain(message_ring& queue, notifier& ready, const std::shared_ptr<void>& keep_alive) {
    spawn(peer_.core->executor, drain(queue, ready, keep_alive), [this, &queue, &ready, keep_alive](std::exception_ptr e) {
      peer_.core->report_task_exception("receive queue", e);
      if (!peer_.stopped()) start_drain(queue, ready, keep_alive);
    });
  }

  asio::awaitable<void> drain(message_ring& queue, notifier& ready, [[maybe_unused]] std::shared_ptr<void> keep_alive) {
    auto running = peer_.core->tasks.track();
    message m;
    while (!peer_.stopped()) {
      if (queue.empty()) {
        co_await ready.wait();
        continue;
      }
      queue.pop(m);
      const auto ec = co_await peer_.core->raft.process_async(m);
      if (ec && !peer_.stopped()) log_process_error(m, ec);
    }
  }

  void log_process_error(const message& m, std::error_code ec) const {
    peer_.core->log(log_level::warn, "failed to process Raft message",
                    {{"from", peer_.id_text}, {"message-type", raftpb::to_string(m.type)}, {"error", ec.message()}});
  }

  peer_context& peer_;
  message_ring received_;
  message_ring proposals_;
  notifier received_ready_;
  notifier proposals_ready_;
};

}  // namespace rafthttp::detail
