// The pipeline (doc/protocol.md 7.2): one POST /raft per message, from a bounded
// queue (64) drained by up to 4 concurrent workers over keep-alive
// connections. It carries everything while the streams are down, and MsgSnap
// sent with send(). A 204 also tells that raft accepted the message.
//
// etcd runs its 4 workers for as long as the peer or remote exists. Ours run
// while there is something to send and end when the queue is empty, so that
// the pipelines of idle members (remotes, above all, which any request can
// create) hold no coroutine.
#pragma once

#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/detail/peer_context.hpp>
#include <rafthttp/detail/spawn.hpp>
#include <rafthttp/http/client.hpp>
#include <rafthttp/raftpb/codec.hpp>


#include <algorithm>
#include <memory>
#include <vector>

namespace rafthttp {

// Started once and stopped once; a remote that resumes makes a new one (as
// etcd does), which is why workers keep their pipeline alive by shared_ptr.
class pipeline : public std::enable_shared_from_this<pipeline> {
 public:
  explicit pipeline(detail::peer_context& peer)
      : peer_(peer),
        jobs_(peer.core->options.pipeline_buffer_size),
        in_flight_(peer.core->options.pipeline_workers),
        working_(peer.core->options.pipeline_workers) {}
  pipeline(const pipeline&) = delete;

  // `owner` owns the peer_context; a running worker keeps it alive.
  void start(const std::shared_ptr<void>& owner) { owner_ = owner; }

  // Ends the workers; queued messages are dropped silently (as etcd does).
  // In-flight requests are cancelled.
  void stop() {
    stopped_ = true;
    release(queued_bytes_);
    queued_bytes_ = 0;
    head_ = size_ = 0;
    for (auto& conn : in_flight_)
      if (conn) conn->close();
  }

  // Encodes `m` (of protobuf size `n`) into the queue; false when it is full,
  // or when its encoding is not `n` bytes (a bug of ours; the encoder never
  // writes past them). The caller reports.
  bool try_enqueue(const message& m, std::size_t n) {
    if (stopped_ || size_ == jobs_.size()) return false;
    if (!peer_.has_room_for(n)) return false;
    job& j = jobs_[(head_ + size_) % jobs_.size()];
    j.type = m.type;
    j.body.clear();
    if (raftpb::encode(m, std::span(j.body.grow(n), n), peer_.core->wire_style) != n) {
      j.body.clear();
      return false;
    }
    ++size_;
    queued_bytes_ += n;
    peer_.queued_bytes += n;
    start_worker();
    return true;
  }

  [[nodiscard]] std::size_t queued() const { return size_; }

 private:
  struct job {
    message_type type = message_type::MsgHup;
    detail::byte_buffer body;
  };

  [[nodiscard]] bool stopped() const { return stopped_ || peer_.stopped(); }

  // Starts a worker in a free slot, if there is one (else the running workers
  // take the job when their POST ends). A worker that an exception ended (its
  // POST lost) frees its slot and starts the next.
  void start_worker() {
    const auto free = std::ranges::find(working_, false);
    const auto owner = owner_.lock();
    if (stopped() || free == working_.end() || !owner) return;
    const auto slot = static_cast<std::size_t>(free - working_.begin());
    *free = true;
    detail::spawn(peer_.core->executor, work(shared_from_this(), owner, slot),
                  [self = shared_from_this(), slot](std::exception_ptr e) {
                    self->peer_.core->report_task_exception("pipeline", e);
                    self->in_flight_[slot] = nullptr;
                    self->working_[slot] = false;
                    if (self->size_ > 0) self->start_worker();
                  });
  }

  // Sends what the queue holds, then ends.
  asio::awaitable<void> work([[maybe_unused]] std::shared_ptr<pipeline> self, [[maybe_unused]] std::shared_ptr<void> owner,
                             std::size_t slot) {
    auto running = peer_.core->tasks.track();
    job current;
    while (!stopped() && size_ > 0) {
      std::swap(current, jobs_[head_]);
      head_ = (head_ + 1) % jobs_.size();
      --size_;
      queued_bytes_ -= current.body.size();
      peer_.dequeued();
      // Counted against the peer's cap until the POST ends, however it ends.
      const byte_release counted(*this, current.body.size());
      co_await post(current, in_flight_[slot]);
    }
    working_[slot] = false;
  }

  struct byte_release {
    byte_release(pipeline& p, std::size_t n) : owner(p), bytes(n) {}
    byte_release(const byte_release&) = delete;
    ~byte_release() { owner.release(bytes); }
    pipeline& owner;
    std::size_t bytes;
  };

  asio::awaitable<void> post(const job& j, std::shared_ptr<http::connection>& in_flight) {
    auto& core = *peer_.core;
    const peer_url url = peer_.picker.pick();
    http::request_head head("POST", "/raft", core.request_headers());
    head.headers.add("Content-Type", "application/protobuf");
    const auto started = http::clock::now();
    core.stamp_append_requests(started);
    const auto client = core.client();
    http::outgoing_request request(url, std::move(head), j.body.bytes(), core.options.client.max_error_body_bytes);
    request.in_flight = &in_flight;
    const auto [ec, response] = co_await http::round_trip(client, std::move(request));
    in_flight = nullptr;
    if (stopped()) co_return;
    if (!ec && response.status == 204) {
      succeeded(j, http::clock::now() - started);
      co_return;
    }
    if (!ec && response.status == 403) core.report_critical(errc::member_removed);
    const std::string reason = ec ? ec.message() : "unexpected http status " + std::to_string(response.status);
    failed(j, url, "failed to write " + raftpb::to_string(j.type) + " on pipeline: " + reason);
  }

  // etcd's order: status, FollowerStats (MsgApp: the POST's round trip),
  // snapshot report, sent bytes (the message's protobuf size).
  void succeeded(const job& j, http::clock::duration round_trip) {
    peer_.status.activate();
    if (j.type == message_type::MsgApp && peer_.follower) peer_.follower->succeed(round_trip);
    if (j.type == message_type::MsgSnap) peer_.report_snapshot(snapshot_status::finish);
    peer_.series.sent_bytes.add(j.body.size());
  }

  void failed(const job& j, const peer_url& url, std::string_view reason) {
    peer_.status.deactivate(reason);
    peer_.picker.unreachable(url);
    if (j.type == message_type::MsgApp && peer_.follower) peer_.follower->fail();
    peer_.report_unreachable();
    if (j.type == message_type::MsgSnap) peer_.report_snapshot(snapshot_status::failure);
    peer_.series.sent_failures.inc();
  }

  void release(std::size_t bytes) { peer_.release(bytes); }

  detail::peer_context& peer_;
  std::vector<job> jobs_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t queued_bytes_ = 0;
  std::weak_ptr<void> owner_;
  std::vector<std::shared_ptr<http::connection>> in_flight_;  // one per worker, to cancel on stop
  std::vector<bool> working_;  // which worker slots run a worker
  bool stopped_ = false;
};

}  // namespace rafthttp
