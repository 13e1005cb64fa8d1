// What every part of a transport shares: options, the Raft policy behind
// function pointers, the logger, the metrics and server stats, the client
// connection pool, the headers we send, and a count of running coroutines.
// Coroutines hold it by shared_ptr, so it outlives the transport object;
// `stopped` tells them to touch nothing of the user's (the Raft policy) any
// more.
#pragma once

#include <rafthttp/detail/notifier.hpp>
#include <rafthttp/detail/operation.hpp>
#include <rafthttp/detail/spawn.hpp>
#include <rafthttp/detail/version.hpp>
#include <rafthttp/http/client.hpp>
#include <rafthttp/http/fields.hpp>
#include <rafthttp/http/tls.hpp>
#include <rafthttp/log.hpp>
#include <rafthttp/metrics/network.hpp>
#include <rafthttp/options.hpp>
#include <rafthttp/policy.hpp>
#include <rafthttp/v2stats.hpp>

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>

namespace rafthttp::detail {

// Counts running coroutines so that a stop can be awaited to completion.
class task_tracker {
 public:
  explicit task_tracker(asio::any_io_executor ex) : idle_(std::move(ex)) {}

  class guard {
   public:
    explicit guard(task_tracker& t) : t_(&t) { ++t_->running_; }
    guard(guard&& other) noexcept : t_(std::exchange(other.t_, nullptr)) {}
    guard(const guard&) = delete;
    ~guard() {
      if (t_ && --t_->running_ == 0) t_->idle_.notify();
    }

   private:
    task_tracker* t_;
  };

  [[nodiscard]] guard track() { return guard(*this); }
  [[nodiscard]] std::size_t running() const { return running_; }

  // Completes once no tracked coroutine runs, or with operation_aborted once
  // `cancel` is requested.
  asio::awaitable<std::error_code> wait_idle(std::shared_ptr<cancellation> cancel) {
    const wake_on_cancel wake(cancel, [this] { idle_.notify(); });
    while (running_ > 0) {
      if (cancel->requested) co_return asio::error::operation_aborted;
      co_await idle_.wait();
    }
    co_return std::error_code{};
  }

 private:
  notifier idle_;
  std::size_t running_ = 0;
};

// The options with what the profile decides filled in where left unset.
[[nodiscard]] inline transport_options with_profile_defaults(transport_options options) {
  const auto profile = profile_of(options.version);
  if (options.server_version.empty()) options.server_version = profile.server_version;
  if (options.max_snapshot_envelope_bytes == 0) options.max_snapshot_envelope_bytes = profile.max_snapshot_envelope_bytes;
  return options;
}

struct core {
  core(asio::any_io_executor ex, transport_options opts, raft_callbacks raft_policy,
       snapshotter_callbacks snapshotter_policy)
      : executor(std::move(ex)),
        options(with_profile_defaults(std::move(opts))),
        profile(profile_of(options.version)),
        raft(raft_policy),
        snapshotter(snapshotter_policy),
        log(options.log, options.min_log_level),
        self_stats("", format_id(options.id)),
        pool(options.client),
        tls(std::make_shared<http::tls_contexts>(options.tls)),
        tasks(executor),
        local_id(format_id(options.id)),
        cluster_id(format_id(options.cluster_id)),
        server_version(parse_semver(options.server_version).value_or(semver{3, 4, 0})),
        min_cluster_version(parse_semver(options.min_cluster_version).value_or(semver{3, 0, 0})),
        wire_style(profile.wire_style) {
    raft.on_exception = snapshotter.on_exception = [this](std::string_view function, std::exception_ptr thrown) {
      report_policy_exception(function, thrown);
    };
  }

  // What the user's code threw (policy.hpp, "Exceptions"): logged and counted.
  void report_policy_exception(std::string_view function, const std::exception_ptr& thrown) {
    ++policy_exceptions;
    log(log_level::error, "policy threw an exception",
        {{"function", std::string(function)}, {"error", exception_text(thrown)}});
  }

  // What escaped a coroutine of ours (detail/spawn.hpp): a bug; logged and
  // counted, and the owner fails or restarts the operation.
  void report_task_exception(std::string_view task, const std::exception_ptr& thrown) {
    ++task_exceptions;
    log(log_level::error, "coroutine ended by an exception", {{"task", std::string(task)},
                                                              {"error", exception_text(thrown)}});
  }

  // The headers of every request to a peer (doc/protocol.md 2.3).
  [[nodiscard]] http::fields request_headers() const {
    http::fields h;
    h.add("X-Server-From", local_id);
    h.add("X-Server-Version", options.server_version);
    h.add("X-Min-Cluster-Version", options.min_cluster_version);
    h.add("X-Etcd-Cluster-ID", cluster_id);
    if (!options.urls.empty()) h.add("X-PeerURLs", options.urls.joined());
    return h;
  }

  // How requests to peers are made (http::round_trip).
  [[nodiscard]] http::client_context client() { return http::client_context(executor, pool, options.client, tls.get()); }

  // A TLS failure, logged once per cause (a misconfigured peer would
  // otherwise log every few milliseconds).
  void report_tls_failure(const std::string& remote, std::error_code ec) {
    if (tls_causes_logged.insert(ec.message()).second)
      log(log_level::warn, "rejected TLS connection (logged once per cause)", {{"remote-addr", remote},
                                                                               {"error", ec.message()}});
  }

  // etcd's ErrorC: this member was removed from the cluster.
  void report_critical(std::error_code ec) {
    log(log_level::error, "critical error", {{"error", ec.message()}});
    if (!stopped) raft.critical_error(ec);
  }

  asio::any_io_executor executor;
  transport_options options;
  etcd_profile profile;
  raft_callbacks raft;
  snapshotter_callbacks snapshotter;
  logger log;
  network_metrics metrics;     // etcd's etcd_network_* (doc/protocol.md 13.1)
  server_stats self_stats;     // etcd's ServerStats (/v2/stats/self); rafthttp feeds SendAppendReq
  http::connection_pool pool;
  std::shared_ptr<http::tls_contexts> tls;
  std::set<std::string> tls_causes_logged;
  task_tracker tasks;
  std::string local_id;    // canonical hex
  std::string cluster_id;  // canonical hex
  semver server_version;
  semver min_cluster_version;
  raftpb::wire_style wire_style;  // how we encode raftpb: the profile's
  bool stopped = false;
  std::uint64_t policy_exceptions = 0;  // thrown by the user's policies and hooks
  std::uint64_t task_exceptions = 0;    // escaped a coroutine of ours
  bool append_stamp_due = false;  // ServerStats holds MsgApp requests without a time

  // ServerStats' MsgApp requests of the current burst of sends get their time
  // from the first channel coroutine (stream writer, pipeline) that runs after
  // it, with the clock read it makes anyway: no clock read per message, and no
  // handler posted per burst (a post allocates when send() is called outside
  // io_context::run()). Requests nothing sends yet count as "now" when read.
  void stamp_append_requests(std::chrono::steady_clock::time_point now) {
    if (std::exchange(append_stamp_due, false)) self_stats.stamp_send_requests(now);
  }
};

}  // namespace rafthttp::detail
