// A remote (doc/protocol.md 10.3): a pipeline-only helper that lets a newly joined
// member reach members it does not know as peers yet.
#pragma once

#include <rafthttp/detail/peer_context.hpp>
#include <rafthttp/pipeline.hpp>

#include <memory>

namespace rafthttp {

class remote : public std::enable_shared_from_this<remote> {
 public:
  remote(std::shared_ptr<detail::core> core, member_id id, url_list urls)
      : context_(std::move(core), id, std::move(urls)) {}

  void start() { start_pipeline(); }

  // Queues `m` for the pipeline. A full queue drops it with a log line and
  // peer_sent_failures_total, and no report to raft, as etcd does.
  std::error_code send(const message& m) {
    if (pipeline_->try_enqueue(m, raftpb::encoded_size(m, context_.core->wire_style))) return {};
    context_.note_send_drop(m, context_.status.active()
                                   ? "dropped internal Raft message since sending buffer is full (overloaded network)"
                                   : "dropped Raft message since sending buffer is full (overloaded network)");
    return errc::queue_full;
  }

  // Stops the pipeline; what is sent meanwhile is lost. resume() starts a new one.
  void pause() {
    if (paused_) return;
    paused_ = true;
    pipeline_->stop();
  }
  void resume() {
    if (!paused_) return;
    paused_ = false;
    start_pipeline();
  }

  void stop() {
    context_.peer_stopped = true;
    pipeline_->stop();
    context_.flush_drop_logs();
  }

  [[nodiscard]] const peer_status& status() const { return context_.status; }
  [[nodiscard]] member_id id() const { return context_.id; }

 private:
  void start_pipeline() {
    pipeline_ = std::make_shared<pipeline>(context_);
    pipeline_->start(shared_from_this());
  }

  detail::peer_context context_;
  std::shared_ptr<pipeline> pipeline_;
  bool paused_ = false;
};

}  // namespace rafthttp
