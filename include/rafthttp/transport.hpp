// rafthttp::transport — etcd's Transporter (doc/protocol.md 10.2) on one Asio
// executor.
//
//   my_raft raft;                       // Raft policy (policy.hpp)
//   rafthttp::file_snapshotter snaps("/var/lib/member/snap");
//   rafthttp::transport_options options;
//   options.id = 1; options.cluster_id = 0x1000;
//   options.urls = *rafthttp::url_list::parse("http://127.0.0.1:2380");
//   rafthttp::transport t(io.get_executor(), raft, snaps, options);
//   t.listen();                          // or t.mount(router) on your own server
//   t.add_peer(2, *rafthttp::url_list::parse("http://127.0.0.1:2381"));
//   t.send(msg);
//
// Thread safety: a transport belongs to its executor's thread. Call it from
// there (e.g. from within Raft::process, or any coroutine on that executor),
// or from elsewhere through post(): t.post([m](auto& t) { t.send(m); }).
// Nothing is locked, nothing on the hot path allocates in steady state.
#pragma once

#include <rafthttp/detail/core.hpp>
#include <rafthttp/detail/operation.hpp>
#include <rafthttp/handlers.hpp>
#include <rafthttp/http/server.hpp>
#include <rafthttp/member_endpoints.hpp>
#include <rafthttp/member_registry.hpp>
#include <rafthttp/options.hpp>
#include <rafthttp/policy.hpp>
#include <rafthttp/snapshot.hpp>

#include <asio/async_result.hpp>
#include <asio/post.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>

namespace rafthttp {

template <raft_policy Raft, snapshotter_policy Snapshotter>
class transport {
 public:
  using time_point = std::chrono::system_clock::time_point;

  transport(asio::any_io_executor executor, Raft& raft, Snapshotter& snapshotter, transport_options options)
      : members_(std::make_shared<member_registry>(std::make_shared<detail::core>(
            std::move(executor), std::move(options), detail::make_raft_callbacks(raft),
            detail::make_snapshotter_callbacks(snapshotter)))) {}
  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;
  ~transport() { stop(); }

  [[nodiscard]] asio::any_io_executor get_executor() const { return core().executor; }
  [[nodiscard]] const transport_options& options() const { return core().options; }

  // Runs `f(*this)` on the transport's thread: the way in from other threads.
  template <class F>
  void post(F&& f) {
    asio::post(core().executor, [this, f = std::forward<F>(f)]() mutable { f(*this); });
  }

  // ------------------------------------------------------------- serving ---

  // etcd's Handler(): mounts /raft, /raft/stream/, /raft/snapshot and
  // /raft/probing on a router of yours (which must outlive the transport's use).
  void mount(http::router& router) { mount_handlers(router, members_); }

  // etcd's other peer-port endpoints, which a real cluster calls on every
  // member: GET /version, /downgrade/enabled, /members... (member_endpoints.hpp;
  // their answers come from options().member).
  void mount_member_endpoints(http::router& router) { rafthttp::mount_member_endpoints(router, members_->core); }

  // The common case: serves the handlers and the member endpoints on our own
  // server at `endpoint` (port 0 picks one; see local_endpoint()), with TLS if `tls`.
  [[nodiscard]] std::error_code listen(const http::tcp::endpoint& endpoint, bool tls = false) {
    if (!server_) {
      router_ = std::make_unique<http::router>();
      mount(*router_);
      mount_member_endpoints(*router_);
      const auto c = members_->core;
      server_ = std::make_unique<http::server>(
          core().executor, *router_, core().options.server, core().tls,
          [c](const std::string& remote, std::error_code ec) { c->report_tls_failure(remote, ec); },
          [c](std::string_view task, std::exception_ptr e) { c->report_task_exception(task, e); },
          [c](std::error_code ec) {
            c->log(log_level::error, "failed to accept connections; retrying with a growing backoff",
                   {{"error", ec.message()}});
          });
    }
    return server_->listen(endpoint, tls);
  }

  // Listens on the host and port of the first advertised URL (a host name
  // is resolved; its first address is used).
  [[nodiscard]] std::error_code listen() {
    if (core().options.urls.empty()) return http::errc::invalid_url;
    const auto& url = core().options.urls[0];
    std::error_code ec;
    http::tcp::resolver resolver(core().executor);
    const auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec || endpoints.empty()) return http::errc::invalid_url;
    return listen(endpoints.begin()->endpoint(), url.uses_tls());
  }

  // Sets the URLs we advertise in X-PeerURLs (e.g. once listen() on port 0
  // has picked the port).
  void advertise(const url_list& urls) { core().options.urls = urls; }

  [[nodiscard]] http::tcp::endpoint local_endpoint() const {
    return server_ ? server_->local_endpoint() : http::tcp::endpoint{};
  }

  // The server, for its statistics and to mount further routes beside ours.
  [[nodiscard]] http::router* router() { return router_.get(); }

  // ------------------------------------------------------------- sending ---

  // etcd's Send: to the peer named by m.to, else the remote, else dropped;
  // To == 0 is how raft drops a message. Never blocks. Tells what happened
  // (etcd's returns nothing): no error when queued; errc::queue_full (raft got
  // its report), errc::paused, errc::unknown_peer or errc::stopped when dropped.
  std::error_code send(const message& m) {
    if (core().stopped) return errc::stopped;
    if (const auto p = m.to == 0 ? nullptr : members_->find_peer(m.to)) return p->send(m);
    if (const auto r = members_->remotes.find(m.to); r != members_->remotes.end()) return r->second->send(m);
    if (core().log.enabled(log_level::debug)) {
      core().log(log_level::debug, "ignored message send request; unknown remote peer target",
                 {{"type", raftpb::to_string(m.type)}, {"unknown-target-peer-id", format_id(m.to)}});
    }
    return errc::unknown_peer;
  }

  void send(std::span<const message> messages) {
    for (const auto& m : messages) send(m);
  }

  // Beyond etcd: writes what send() queued on the streams now, from the
  // caller, instead of when the event loop next runs the stream writers (a
  // wake-up that costs Asio a reactor pass). For the end of a burst of sends
  // made outside Raft::process; what raft sends from inside it leaves at the
  // end of that delivery anyway. Never blocks: what a socket does not take at
  // once its writer sends as before.
  void flush() {
    for (auto& [id, p] : members_->peers) p->flush();
  }

  // Beyond etcd: waits for room in the peer's queues instead of dropping, so
  // that raft can apply back-pressure. Takes any Asio completion token with
  // the signature void(std::error_code): asio::use_awaitable, a callback,
  // asio::use_future, asio::experimental::deferred, as_tuple(...), ...
  // Completes with no error once queued; errc::unknown_peer, errc::paused or
  // errc::stopped when not sent. A message that fits is queued before this
  // returns, in order with send(). Cancellation (any type, through the
  // token's cancellation slot) while it waits for room completes with
  // asio::error::operation_aborted and leaves nothing queued.
  template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) Token
                ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(asio::any_io_executor)>
  auto async_send(message m, Token&& token ASIO_DEFAULT_COMPLETION_TOKEN(asio::any_io_executor)) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [this](auto handler, message m) { start_send(std::move(handler), std::move(m)); }, token, std::move(m));
  }

  // etcd's SendSnapshot: to a peer (not a remote); an unknown one completes
  // with errc::unknown_peer and no report to raft.
  void send_snapshot(snapshot_message sm) { start_snapshot(std::move(sm), nullptr); }

  // send_snapshot, completing when the transfer has ended (no error: the peer
  // answered 204, the DB is saved and raft has the MsgSnap); sm.on_done, if
  // set, is called too. Any completion token of void(std::error_code).
  // Cancellation (any type) ends the transfer: the connection closes inside
  // the body (the receiver keeps no file), raft gets snapshot_status::failure,
  // the operation completes with asio::error::operation_aborted.
  template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) Token
                ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(asio::any_io_executor)>
  auto async_send_snapshot(snapshot_message sm,
                           Token&& token ASIO_DEFAULT_COMPLETION_TOKEN(asio::any_io_executor)) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [this](auto handler, snapshot_message sm) {
          auto op = detail::make_operation(std::move(handler), core().executor);
          sm.on_done = [op, user = std::move(sm.on_done)](std::error_code ec) {
            op->complete(ec);
            if (user) user(ec);
          };
          start_snapshot(std::move(sm), op->cancel_state());
        },
        token, std::move(sm));
  }

  // ------------------------------------------------------------- members ---

  // etcd's AddPeer: a no-op for a known peer, or once stopped.
  void add_peer(member_id id, const url_list& urls) {
    if (core().stopped || members_->peers.contains(id) || urls.empty()) return;
    auto p = std::make_shared<peer>(members_->core, id, urls);
    members_->peers.emplace(id, p);
    p->start();
    core().log(log_level::info, "added remote peer", {{"local-member-id", core().local_id},
                                                      {"remote-peer-id", format_id(id)},
                                                      {"remote-peer-urls", urls.joined()}});
  }

  // etcd's AddRemote (pipeline only, for members not yet known as peers).
  void add_remote(member_id id, const url_list& urls) {
    if (!urls.empty()) members_->add_remote(id, urls);
  }

  // etcd 3.6's RemovePeer: stops and forgets the peer; unknown ids are a no-op.
  void remove_peer(member_id id) {
    const auto it = members_->peers.find(id);
    if (it == members_->peers.end()) return;
    it->second->stop();
    members_->peers.erase(it);
    core().log(log_level::info, "removed remote peer", {{"local-member-id", core().local_id},
                                                        {"removed-remote-peer-id", format_id(id)}});
  }

  void remove_all_peers() {
    while (!members_->peers.empty()) remove_peer(members_->peers.begin()->first);
  }

  // New URLs for a peer's next connections; unknown ids are a no-op.
  void update_peer(member_id id, const url_list& urls) {
    if (const auto p = members_->find_peer(id); p && !urls.empty()) p->update(urls);
  }

  // When the peer became active; the epoch (zero) if inactive or unknown.
  [[nodiscard]] time_point active_since(member_id id) const {
    const auto p = members_->find_peer(id);
    return p ? p->status().since() : time_point{};
  }

  [[nodiscard]] std::size_t active_peers() const {
    std::size_t n = 0;
    for (const auto& [id, p] : members_->peers) n += p->status().active() ? 1 : 0;
    return n;
  }

  [[nodiscard]] std::shared_ptr<const peer> find_peer(member_id id) const { return members_->find_peer(id); }

  // ------------------------------------------------------- observability ---

  // etcd's etcd_network_* metrics (doc/protocol.md 13.1) in their registry, to
  // which you may add your own families.
  [[nodiscard]] network_metrics& metrics() { return core().metrics; }
  [[nodiscard]] const network_metrics& metrics() const { return core().metrics; }

  // The Prometheus text exposition of metrics().registry: the body of a GET
  // /metrics, served with prometheus_content_type.
  [[nodiscard]] std::string render_metrics() const { return core().metrics.registry.render(); }

  // etcd's LeaderStats: this member and one FollowerStats per peer.
  [[nodiscard]] rafthttp::leader_stats leader_stats() const {
    rafthttp::leader_stats stats;
    stats.leader = core().local_id;
    for (const auto& [id, p] : members_->peers) stats.followers.emplace(format_id(id), p->follower());
    return stats;
  }

  // etcd's ServerStats: send() feeds SendAppendReq; recv_append_request is
  // the server's to call when it processes a MsgApp, as etcd's does.
  [[nodiscard]] rafthttp::server_stats& server_stats() { return core().self_stats; }
  [[nodiscard]] const rafthttp::server_stats& server_stats() const { return core().self_stats; }
  [[nodiscard]] bool has_remote(member_id id) const { return members_->remotes.contains(id); }

  // ------------------------------------------------------ test helpers ---

  // Every peer drops what it sends and what its streams receive; POSTs still
  // reach raft (doc/protocol.md 10.4).
  void pause() {
    for (auto& [id, p] : members_->peers) p->pause();
  }
  void resume() {
    for (auto& [id, p] : members_->peers) p->resume();
  }
  // The peer and the remote with this id stop carrying traffic / carry it again.
  void cut_peer(member_id id) {
    if (const auto p = members_->find_peer(id)) p->pause();
    if (const auto r = members_->remotes.find(id); r != members_->remotes.end()) r->second->pause();
  }
  void mend_peer(member_id id) {
    if (const auto p = members_->find_peer(id)) p->resume();
    if (const auto r = members_->remotes.find(id); r != members_->remotes.end()) r->second->resume();
  }

  // ---------------------------------------------------------------- stop ---

  // Stops every peer and remote and the server; ends every connection. From
  // here on nothing reaches the policies. Coroutines finish as the executor
  // runs; async_stop(asio::use_awaitable) waits for that.
  void stop() {
    if (core().stopped) return;
    core().stopped = true;
    for (auto& [id, r] : members_->remotes) r->stop();
    members_->remotes.clear();
    for (auto& [id, p] : members_->peers) p->stop();
    members_->peers.clear();
    if (server_) server_->stop();
    core().pool.clear();
  }

  // stop(), then completes once every coroutine of the transport has ended
  // (running_tasks() is 0). Any completion token of void(std::error_code).
  // Cancellation ends only the wait (asio::error::operation_aborted): the
  // transport is stopped either way and its coroutines finish as the
  // executor runs.
  template <ASIO_COMPLETION_TOKEN_FOR(void(std::error_code)) Token
                ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(asio::any_io_executor)>
  auto async_stop(Token&& token ASIO_DEFAULT_COMPLETION_TOKEN(asio::any_io_executor)) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [this](auto handler) {
          stop();
          auto op = detail::make_operation(std::move(handler), core().executor);
          const auto c = members_->core;  // the transport may go while we wait
          run_to_completion(op, c->tasks.wait_idle(op->cancel_state()));
        },
        token);
  }

  // Connections our server serves now (listen()).
  [[nodiscard]] std::size_t server_connections() const { return server_ ? server_->connection_count() : 0; }

  // Coroutines of this transport still running (0 after async_stop(asio::use_awaitable)).
  [[nodiscard]] std::size_t running_tasks() const { return core().tasks.running(); }

  // Exceptions the user's code threw into the transport — policies, hooks,
  // the log sink — each logged (but the log sink's) and survived (policy.hpp).
  [[nodiscard]] std::uint64_t policy_exceptions() const {
    return core().policy_exceptions + core().log.sink_exceptions();
  }
  // Exceptions that ended a coroutine of ours (a bug, or std::bad_alloc):
  // logged; the operation failed or restarted (detail/spawn.hpp).
  [[nodiscard]] std::uint64_t task_exceptions() const { return core().task_exceptions; }

 private:
  [[nodiscard]] detail::core& core() const { return *members_->core; }

  // async_send's initiation: queues at once when there is room, else waits.
  template <class Handler>
  void start_send(Handler handler, message m) {
    const auto p = members_->find_peer(m.to);
    if (!p) return detail::post_completion(std::move(handler), core().executor, core().stopped ? errc::stopped : errc::unknown_peer);
    const std::size_t size = raftpb::encoded_size(m, core().wire_style);
    if (const auto decided = p->offer(m, size)) return detail::post_completion(std::move(handler), core().executor, *decided);
    auto op = detail::make_operation(std::move(handler), core().executor);
    run_to_completion(op, p->wait_to_send(p, std::move(m), size, op->cancel_state()));
  }

  void start_snapshot(snapshot_message sm, std::shared_ptr<detail::cancellation> cancel) {
    if (const auto p = members_->find_peer(sm.msg.to); p && !core().stopped) {
      p->start_snapshot(std::move(sm), std::move(cancel));
    } else if (sm.on_done) {
      sm.on_done(core().stopped ? errc::stopped : errc::unknown_peer);
    }
  }

  // Completes `op` with what `task` returns; an exception that ends it (a bug
  // of ours, std::bad_alloc) is logged and completes it with internal_error.
  template <class Operation>
  void run_to_completion(const std::shared_ptr<Operation>& op, asio::awaitable<std::error_code> task) {
    const auto c = members_->core;
    detail::spawn(
        c->executor, [](std::shared_ptr<Operation> op, asio::awaitable<std::error_code> task) -> asio::awaitable<void> {
          const std::error_code ec = co_await std::move(task);
          op->complete(ec);
        }(op, std::move(task)),
        [c, op](std::exception_ptr e) {
          c->report_task_exception("asynchronous operation", e);
          op->complete(errc::internal_error);
        });
  }

  std::shared_ptr<member_registry> members_;
  std::unique_ptr<http::router> router_;
  std::unique_ptr<http::server> server_;
};

}  // namespace rafthttp
