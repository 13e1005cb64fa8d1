// Snapshots end to end (doc/protocol.md 8): a MsgSnap travels as one POST
// /raft/snapshot, the length-prefixed message followed by the database bytes,
// streamed from a source in chunks and never held in memory whole.
//
//   Sending:   snapshot_message{MsgSnap, a db_source, its size, on_done}
//              → transport::send_snapshot / async_send_snapshot
//   Receiving: the Snapshotter policy; file_snapshotter is etcd's
//              (%016x.snap.db, temp file, fsync, rename).
#pragma once

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/detail/peer_context.hpp>
#include <rafthttp/http/client.hpp>
#include <rafthttp/policy.hpp>

#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rafthttp {

// ------------------------------------------------------------ DB sources ---

// Where the database bytes of an outgoing snapshot come from: read_some fills
// `into` and returns how the read ended and how many bytes it wrote (0 at
// the end), in the order of Asio's as_tuple.
class db_source {
 public:
  using read_result = std::tuple<std::error_code, std::size_t>;
  virtual ~db_source() = default;
  virtual asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) = 0;
};

// A DB in memory (the caller keeps the bytes alive until the send ends).
class memory_db_source final : public db_source {
 public:
  explicit memory_db_source(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) override {
    const std::size_t n = std::min(into.size(), bytes_.size());
    std::copy_n(bytes_.begin(), n, into.begin());
    bytes_ = bytes_.subspan(n);
    co_return read_result(std::error_code{}, n);
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

namespace detail {

// Runs `work` on `thread` (a file operation, kept off the event loop); the
// caller resumes on its own executor with what `work` returned.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> on_thread(asio::thread_pool& thread, F work) {
  using result = std::invoke_result_t<F&>;
  co_return co_await asio::co_spawn(thread, [&work]() -> asio::awaitable<result> { co_return work(); },
                                    asio::use_awaitable);
}

}  // namespace detail

// A DB in a file, read sequentially on a thread of its own (never on the
// event loop: a slow disk delays this snapshot, not the peers' heartbeats).
class file_db_source final : public db_source {
 public:
  explicit file_db_source(const std::filesystem::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~file_db_source() override {
    if (fd_ >= 0) ::close(fd_);
  }
  file_db_source(const file_db_source&) = delete;

  [[nodiscard]] bool is_open() const { return fd_ >= 0; }

  asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) override {
    if (fd_ < 0) co_return read_result(std::error_code(ENOENT, std::generic_category()), 0);
    const auto [n, read_error] = co_await detail::on_thread(io_, [&] {
      ssize_t got;
      do got = ::read(fd_, into.data(), into.size());
      while (got < 0 && errno == EINTR);
      return std::pair(got, got < 0 ? errno : 0);  // errno is the I/O thread's
    });
    if (n < 0) co_return read_result(std::error_code(read_error, std::generic_category()), 0);
    co_return read_result(std::error_code{}, static_cast<std::size_t>(n));
  }

 private:
  int fd_;
  asio::thread_pool io_{1};
};

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

  asio::awaitable<std::error_code> send_body(http::client_exchange& exchange) {
    byte_buffer chunk;
    if (codec::append_frame(sm_.msg, chunk, peer_.core->wire_style) == 0) co_return errc::internal_error;
    auto ec = co_await exchange.send_chunk(chunk.bytes());
    send_pacer pacer(peer_.core->executor, peer_.core->options.snapshot_bytes_per_second);
    std::uint64_t sent = 0;
    chunk.clear();
    std::uint8_t* buffer = chunk.grow(chunk_bytes);
    while (!ec && !peer_.stopped() && !cancelled_) {
      const auto [read_error, n] = co_await read_db(std::span(buffer, chunk_bytes));
      if (read_error) co_return errc::snapshot_source_failed;
      sent += n;
      // etcd's exact-size reader: more or fewer bytes than declared abort.
      if (sent > sm_.db_size || (n == 0 && sent != sm_.db_size)) co_return errc::snapshot_source_failed;
      if (n == 0) co_return std::error_code{};
      ec = co_await exchange.send_chunk(std::span<const std::uint8_t>(buffer, n));
      co_await pacer.account(n);
    }
    if (peer_.stopped()) co_return errc::stopped;
    co_return cancelled_ ? asio::error::operation_aborted : ec;
  }

  peer_context& peer_;
  snapshot_message& sm_;
  std::shared_ptr<http::connection> conn_;
  bool cancelled_ = false;
};

}  // namespace detail

// ------------------------------------------------------- file_snapshotter ---

// etcd's snapshotter for received databases (doc/protocol.md 8.3): the DB of
// index i becomes <dir>/<i as %016x>.snap.db, written to a temporary file,
// fsynced, then renamed; the directory is fsynced after the rename (etcd does
// not, we do: a crash must not lose a file raft was told about). If the file
// exists already, the received bytes are discarded and the save succeeds.
class file_snapshotter {
 public:
  // `before_io(operation)` runs on the I/O thread before each "write" and
  // "fsync": a place to observe or throttle the disk work (tests make the
  // disk slow with it).
  explicit file_snapshotter(std::filesystem::path dir, std::function<void(std::string_view operation)> before_io = {})
      : dir_(std::move(dir)), before_io_(std::move(before_io)) {}
  file_snapshotter(const file_snapshotter&) = delete;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

  [[nodiscard]] std::filesystem::path db_path(std::uint64_t index) const {
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.snap.db", static_cast<unsigned long long>(index));
    return dir_ / name;
  }

  // The file work (open, write, fsync, rename) runs on a thread of the
  // snapshotter's own, never on the event loop: a slow disk delays this
  // snapshot, not every peer's heartbeats.
  asio::awaitable<std::error_code> save_db(const message& msnap, db_reader& body) {
    const auto target = db_path(msnap.snapshot.metadata.index);
    const auto temp = dir_ / ("tmp" + std::to_string(std::random_device{}()));
    const auto [fd, open_error] = co_await detail::on_thread(io_, [&] {
      const int opened = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      return std::pair(opened, opened < 0 ? errno : 0);  // errno is the I/O thread's
    });
    if (fd < 0) co_return std::error_code(open_error, std::generic_category());
    auto ec = co_await copy(body, fd);
    co_return co_await detail::on_thread(io_, [&] { return finish(fd, temp, target, ec); });
  }

 private:
  // Starting write-back as the file grows keeps the final fsync short.
  static constexpr std::size_t writeback_bytes = 8 * mib;

  void before(std::string_view operation) const {
    if (before_io_) before_io_(operation);
  }

  asio::awaitable<std::error_code> copy(db_reader& body, int fd) {
    std::uint64_t written = 0, written_back = 0;
    for (;;) {
      const auto [read_error, piece] = co_await body.read_some();
      if (read_error) co_return read_error;
      if (piece.empty()) co_return std::error_code{};
      const auto ec = co_await detail::on_thread(io_, [&] { return write_all(fd, piece, written, written_back); });
      if (ec) co_return ec;
    }
  }

  // On the I/O thread.
  std::error_code write_all(int fd, std::span<const std::uint8_t> piece, std::uint64_t& written,
                            std::uint64_t& written_back) const {
    before("write");
    for (std::size_t at = 0; at < piece.size();) {
      const ssize_t n = ::write(fd, piece.data() + at, piece.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::error_code(errno, std::generic_category());
      at += static_cast<std::size_t>(n);
    }
    written += piece.size();
    if (written - written_back >= writeback_bytes) {
      ::sync_file_range(fd, static_cast<off_t>(written_back), static_cast<off_t>(written - written_back),
                        SYNC_FILE_RANGE_WRITE);
      written_back = written;
    }
    return {};
  }

  // On the I/O thread: fsync and close the temp file, then put it in place
  // (etcd's SaveDBFrom: an existing file is kept) and fsync the directory;
  // the temp file goes on any failure.
  std::error_code finish(int fd, const std::filesystem::path& temp, const std::filesystem::path& target,
                         std::error_code ec) const {
    if (!ec) ec = sync(fd);
    if (::close(fd) != 0 && !ec) ec = std::error_code(errno, std::generic_category());
    std::error_code ignored;
    if (ec || std::filesystem::exists(target, ignored)) {
      std::filesystem::remove(temp, ignored);
      return ec;
    }
    std::filesystem::rename(temp, target, ec);
    if (ec) {
      std::filesystem::remove(temp, ignored);
      return ec;
    }
    return sync_directory(dir_);
  }

  std::error_code sync(int fd) const {
    before("fsync");
    return ::fsync(fd) == 0 ? std::error_code{} : std::error_code(errno, std::generic_category());
  }

  std::error_code sync_directory(const std::filesystem::path& dir) const {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return std::error_code(errno, std::generic_category());
    const auto ec = sync(fd);
    ::close(fd);
    return ec;
  }

  std::filesystem::path dir_;
  std::function<void(std::string_view)> before_io_;
  asio::thread_pool io_{1};
};

}  // namespace rafthttp
