// Sending a snapshot (doc/protocol.md 8.2): snapshot_message is what the user
// hands to transport::send_snapshot; each one becomes a POST /raft/snapshot of
// its own, the length-prefixed MsgSnap followed by the database bytes from its
// db_source, in chunks.
//
//   snapshot_senders   a peer's transfers in flight (start, abort on stop)
//   snapshot_sender    one transfer: dial, POST, report to raft
//   send_pacer         the optional bandwidth limit
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/detail/operation.hpp>
#include <rafthttp/detail/on_thread.hpp>
#include <rafthttp/detail/peer_context.hpp>
#include <rafthttp/detail/spawn.hpp>
#include <rafthttp/http/client.hpp>
#include <rafthttp/snapshot/db.hpp>
#include <rafthttp/snapshot/sendfile.hpp>

#include <asio/error.hpp>
#include <asio/steady_timer.hpp>

#include <fcntl.h>

namespace rafthttp {

// etcd's snap.Message: the merged snapshot message to send. (Constructed, not
// aggregate-initialised: see raftpb::message on GCC 12.)
struct snapshot_message {
  snapshot_message() = default;
  snapshot_message(message m, std::unique_ptr<db_source> source, std::uint64_t size,
                   std::function<void(std::error_code)> done = {})
      : msg(std::move(m)), db(std::move(source)), db_size(size), on_done(std::move(done)) {}

  message msg;                       // a MsgSnap to a peer
  std::unique_ptr<db_source> db;     // the database bytes
  std::uint64_t db_size = 0;         // exactly this many bytes must come from db
  // Called once when sending ended: no error once the peer answered 204.
  std::function<void(std::error_code)> on_done;

  // Bytes the whole transfer carries (etcd's TotalSize) in a wire style.
  [[nodiscard]] std::uint64_t total_size(raftpb::wire_style style) const {
    return raftpb::encoded_size(msg, style) + db_size;
  }
};

namespace detail {

// A bandwidth limit for snapshot sending (beyond etcd): waits so that the
// bytes sent so far stay within `bytes_per_second` since the start.
class send_pacer {
 public:
  send_pacer(asio::any_io_executor ex, std::uint64_t bytes_per_second)
      : timer_(std::move(ex)), rate_(bytes_per_second), start_(http::clock::now()) {}

  asio::awaitable<void> account(std::size_t bytes) {
    if (rate_ == 0) co_return;
    sent_ += bytes;
    const auto due = start_ + std::chrono::duration_cast<http::clock::duration>(
                                  std::chrono::duration<double>(static_cast<double>(sent_) / rate_));
    if (due <= http::clock::now()) co_return;
    timer_.expires_at(due);
    co_await timer_.async_wait(http::use_tuple);
  }

 private:
  asio::steady_timer timer_;
  std::uint64_t rate_;
  std::uint64_t sent_ = 0;
  http::clock::time_point start_;
};

// One snapshot's POST (doc/protocol.md 8.2). Reports to raft at etcd's moments;
// returns what on_done receives.
class snapshot_sender {
 public:
  static constexpr std::size_t chunk_bytes = 256 * kib;

  snapshot_sender(peer_context& peer, snapshot_message& sm) : peer_(peer), sm_(sm) {}

  // Closing the connection aborts the transfer (peer stop).
  [[nodiscard]] const std::shared_ptr<http::connection>& connection() const { return conn_; }

  // Ends the transfer now (async_send_snapshot's cancellation): run()
  // completes with operation_aborted and raft hears of a failed snapshot.
  // The receiver sees the connection end inside the body and keeps nothing.
  void cancel() {
    cancelled_ = true;
    if (conn_) conn_->close();
  }

  asio::awaitable<std::error_code> run() {
    const auto started = http::clock::now();
    auto& core = *peer_.core;
    if (const auto ec = check_envelope_size()) co_return ec;
    const peer_url url = peer_.picker.pick();
    core.log(log_level::info, "sending database snapshot",
             {{"snapshot-index", std::to_string(sm_.msg.snapshot.metadata.index)},
              {"remote-peer-id", peer_.id_text}, {"bytes", std::to_string(total_size())}});
    const gauge_hold in_flight(peer_.series.snapshot_send_inflights);
    auto [ec, status] = co_await post(url);
    if (peer_.stopped()) co_return errc::stopped;
    if (cancelled_) {
      core.log(log_level::info, "cancelled sending database snapshot",
               {{"snapshot-index", std::to_string(sm_.msg.snapshot.metadata.index)},
                {"remote-peer-id", peer_.id_text}});
      peer_.report_snapshot(snapshot_status::failure);
      peer_.series.snapshot_send_failures.inc();
      co_return asio::error::operation_aborted;
    }
    if (!ec && status == 204) {
      peer_.status.activate();
      peer_.report_snapshot(snapshot_status::finish);
      core.log(log_level::info, "sent database snapshot",
               {{"snapshot-index", std::to_string(sm_.msg.snapshot.metadata.index)},
                {"remote-peer-id", peer_.id_text}, {"bytes", std::to_string(total_size())}});
      count_success(http::clock::now() - started);
      co_return std::error_code{};
    }
    if (!ec && status == 403) ec = errc::member_removed;
    if (!ec) ec = http::errc::unexpected_status;
    if (ec == errc::member_removed) core.report_critical(ec);
    const std::string reason =
        ec == http::errc::unexpected_status ? "unexpected http status " + std::to_string(status) : ec.message();
    core.log(log_level::warn, "failed to send database snapshot",
             {{"remote-peer-id", peer_.id_text}, {"error", reason}});
    peer_.picker.unreachable(url);
    peer_.status.deactivate("failed to send database snapshot: " + reason);
    peer_.report_unreachable();
    peer_.report_snapshot(snapshot_status::failure);
    peer_.series.sent_failures.inc();
    peer_.series.snapshot_send_failures.inc();
    co_return ec;
  }

 private:
  // etcd's: the whole transfer (TotalSize) counts as sent bytes.
  void count_success(http::clock::duration took) {
    peer_.series.sent_bytes.add(total_size());
    peer_.series.snapshot_send_success.inc();
    peer_.series.snapshot_send_seconds.observe(std::chrono::duration<double>(took).count());
  }

  [[nodiscard]] std::uint64_t total_size() const { return sm_.total_size(peer_.core->wire_style); }

  // The user's db_source: what it throws fails the snapshot (policy.hpp).
  asio::awaitable<db_source::read_result> read_db(std::span<std::uint8_t> into) {
    std::exception_ptr thrown;
    try {
      co_return co_await sm_.db->read_some(into);
    } catch (...) {
      thrown = std::current_exception();
    }
    peer_.core->report_policy_exception("db_source", thrown);
    co_return db_source::read_result(errc::policy_threw, 0);
  }

  // A MsgSnap envelope above what the profile's release accepts (64 MiB from
  // 3.6.14 / 3.7.1) would only be refused with a 400 after it was sent: it
  // fails here, before any byte is sent, and says why.
  std::error_code check_envelope_size() {
    const std::size_t envelope = raftpb::encoded_size(sm_.msg, peer_.core->wire_style);
    if (envelope <= peer_.core->options.max_snapshot_envelope_bytes) return {};
    peer_.core->log(log_level::error, "refused to send a snapshot message above the envelope limit",
                    {{"remote-peer-id", peer_.id_text},
                     {"snapshot-index", std::to_string(sm_.msg.snapshot.metadata.index)},
                     {"message-size-bytes", std::to_string(envelope)},
                     {"limit-bytes", std::to_string(peer_.core->options.max_snapshot_envelope_bytes)}});
    peer_.report_snapshot(snapshot_status::failure);
    peer_.series.snapshot_send_failures.inc();
    return codec::errc::frame_too_large;
  }

  // POSTs the snapshot: how it ended, and the answer's status when it came.
  asio::awaitable<std::tuple<std::error_code, int>> post(const peer_url& url) {
    auto& core = *peer_.core;
    conn_ = http::connection::make(core.executor);
    auto ec = co_await http::dial(*conn_, url, http::deadline_after(core.options.client.dial_timeout), core.tls.get());
    if (ec) co_return std::tuple(ec, 0);
    http::client_exchange exchange(conn_, core.options.client);
    http::request_head head("POST", "/raft/snapshot", core.request_headers());
    head.headers.add("Content-Type", "application/octet-stream");
    head.headers.add("Host", http::host_header(url));
    ec = co_await exchange.send_chunked_head(head);
    if (!ec) ec = co_await send_body(exchange);
    if (!ec) ec = co_await exchange.finish_chunks();
    // No deadline for the answer (etcd has none: raft applies the snapshot
    // first); then snapResponseReadTimeout for the body.
    if (!ec) ec = co_await exchange.read_head(http::clock::time_point::max());
    if (ec) co_return std::tuple(ec, 0);
    const int status = exchange.response().status;
    byte_buffer body;
    ec = co_await exchange.read_body(body, core.options.client.max_error_body_bytes,
                                     core.options.snapshot_response_read_timeout);
    conn_->close();
    co_return std::tuple(status == 204 ? ec : std::error_code{}, status);
  }

  // The envelope as one chunk, then the database, one chunk per piece: the
  // bytes of a file sent by sendfile on a plain TCP connection, anything else
  // (and everything over TLS) read with read_some, then written.
  asio::awaitable<std::error_code> send_body(http::client_exchange& exchange) {
    byte_buffer chunk;
    if (codec::append_frame(sm_.msg, chunk, peer_.core->wire_style) == 0) co_return errc::internal_error;
    auto ec = co_await exchange.send_chunk(chunk.bytes());
    std::optional<file_range> file;
    if (!ec && !conn_->tls_session()) {
      auto [threw, range] = db_as_file();
      if (threw) co_return errc::snapshot_source_failed;
      file = range;
    }
    send_pacer pacer(peer_.core->executor, peer_.core->options.snapshot_bytes_per_second);
    std::uint64_t sent = 0;
    chunk.clear();
    std::uint8_t* buffer = file ? nullptr : chunk.grow(chunk_bytes);
    while (!ec && !peer_.stopped() && !cancelled_) {
      db_source::read_result piece(std::error_code{}, 0);
      if (file) piece = db_source::read_result(std::error_code{}, std::min<std::uint64_t>(chunk_bytes, file->size - sent));
      else piece = co_await read_db(std::span(buffer, chunk_bytes));
      const auto [read_error, n] = piece;
      if (read_error) co_return errc::snapshot_source_failed;
      sent += n;
      // etcd's exact-size reader: more or fewer bytes than declared abort.
      if (sent > sm_.db_size || (n == 0 && sent != sm_.db_size)) {
        if (file) log_file_size("snapshot database file does not have the declared size", file->size);
        co_return errc::snapshot_source_failed;
      }
      if (n == 0) co_return std::error_code{};
      if (file) ec = co_await send_from_file(*file, sent - n, n);
      else ec = co_await exchange.send_chunk(std::span<const std::uint8_t>(buffer, n));
      if (ec == errc::snapshot_source_failed)  // the file ended inside this chunk
        log_file_size("snapshot database file ended before its declared size", sent - n);
      co_await pacer.account(n);
    }
    if (peer_.stopped()) co_return errc::stopped;
    co_return cancelled_ ? asio::error::operation_aborted : ec;
  }

  // The user's db_source says whether its bytes are a file's: whether it
  // threw (which fails the snapshot, as a throwing read does), and the range.
  std::tuple<bool, std::optional<file_range>> db_as_file() {
    try {
      return std::tuple(false, sm_.db->as_file());
    } catch (...) {
      peer_.core->report_policy_exception("db_source", std::current_exception());
    }
    return std::tuple(true, std::nullopt);
  }

  // Bytes the kernel is asked to read ahead of sendfile, from the source's
  // I/O thread (posix_fadvise may wait for the disk to queue the reads).
  static constexpr std::uint64_t read_ahead_bytes = 16 * chunk_bytes;

  // Sends bytes [at, at + n) of the file as one chunk; every read_ahead_bytes
  // the kernel is first asked for the next read_ahead_bytes beyond them, so
  // that sendfile, which runs on the event loop, finds them in the page cache.
  asio::awaitable<std::error_code> send_from_file(const file_range& file, std::uint64_t at, std::size_t n) {
    if (file.io && at % read_ahead_bytes == 0) {
      const auto from = static_cast<off_t>(file.offset + (at == 0 ? 0 : at + read_ahead_bytes));
      const auto length = static_cast<off_t>(at == 0 ? 2 * read_ahead_bytes : read_ahead_bytes);
      const auto advise = [fd = file.fd, from, length] { return ::posix_fadvise(fd, from, length, POSIX_FADV_WILLNEED); };
      const int advised = co_await detail::on_thread(*file.io, advise);
      (void)advised;  // only a hint: sendfile reads what was not read ahead
    }
    const auto deadline = http::deadline_after(peer_.core->options.client.write_timeout);
    const auto ec = co_await send_file_chunk(*conn_, file.fd, file.offset + at, n, deadline);
    co_return ec;
  }

  // Says why a file's snapshot failed when the file was not as long as
  // declared (at least `file_bytes` long): clearer than "snapshot body source
  // failed" alone.
  void log_file_size(const char* what, std::uint64_t file_bytes) {
    peer_.core->log(log_level::warn, what,
                    {{"remote-peer-id", peer_.id_text},
                     {"snapshot-index", std::to_string(sm_.msg.snapshot.metadata.index)},
                     {"file-bytes", std::to_string(file_bytes)},
                     {"declared-bytes", std::to_string(sm_.db_size)}});
  }

  peer_context& peer_;
  snapshot_message& sm_;
  std::shared_ptr<http::connection> conn_;
  bool cancelled_ = false;
};


// A peer's snapshot transfers: each runs on its own (etcd's snapshotSender),
// listed while it runs so that the peer's stop can end it. An exception that
// ends a transfer fails it as any failure does: raft hears of it, on_done
// gets an error.
class snapshot_senders {
 public:
  explicit snapshot_senders(peer_context& peer) : peer_(peer) {}
  snapshot_senders(const snapshot_senders&) = delete;

  // Sends `sm` (`owner` keeps the peer alive meanwhile), ending with
  // operation_aborted if `cancel` is requested first: the transfer ends and
  // raft hears of a failure.
  void start(std::shared_ptr<void> owner, snapshot_message sm, std::shared_ptr<cancellation> cancel) {
    auto core = peer_.core;
    spawn(core->executor, run(std::move(owner), std::move(sm), std::move(cancel)),
          [core](std::exception_ptr e) { core->report_task_exception("snapshot sender", e); });
  }

  // The peer stops: every transfer's connection closes; each ends with
  // errc::stopped.
  void abort_all() {
    for (auto* sender : running_)
      if (sender->connection()) sender->connection()->close();
  }

 private:
  asio::awaitable<void> run([[maybe_unused]] std::shared_ptr<void> owner, snapshot_message sm,
                            std::shared_ptr<cancellation> cancel) {
    auto running = peer_.core->tasks.track();
    std::error_code ec = errc::stopped;
    if (cancel && cancel->requested && !peer_.stopped()) {
      peer_.report_snapshot(snapshot_status::failure);
      ec = asio::error::operation_aborted;
    } else if (!peer_.stopped()) {
      try {
        ec = co_await send_listed(sm, cancel);
      } catch (...) {
        peer_.core->report_task_exception("snapshot sender", std::current_exception());
        peer_.report_snapshot(snapshot_status::failure);
        ec = errc::internal_error;
      }
    }
    if (!sm.on_done) co_return;
    try {
      sm.on_done(ec);
    } catch (...) {
      peer_.core->report_policy_exception("snapshot on_done", std::current_exception());
    }
  }

  // Sends `sm`, listed in running_ while it runs.
  asio::awaitable<std::error_code> send_listed(snapshot_message& sm, const std::shared_ptr<cancellation>& cancel) {
    snapshot_sender sender(peer_, sm);
    const wake_on_cancel wake(cancel, [&sender] { sender.cancel(); });
    const listing listed(running_, &sender);
    co_return co_await sender.run();
  }

  // An entry of running_ for as long as it lives.
  struct listing {
    listing(std::list<snapshot_sender*>& l, snapshot_sender* s) : list(l), at(l.insert(l.end(), s)) {}
    listing(const listing&) = delete;
    ~listing() { list.erase(at); }
    std::list<snapshot_sender*>& list;
    std::list<snapshot_sender*>::iterator at;
  };

  peer_context& peer_;
  std::list<snapshot_sender*> running_;
};

}  // namespace detail
}  // namespace rafthttp
