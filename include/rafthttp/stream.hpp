// The two long-lived streams per peer and direction (doc/protocol.md 6): a stream
// is dialled by the receiver (GET /raft/stream/<type>/<its id>) and the sender
// writes into the response body.
//
// stream_writer: the sending end. Messages are encoded straight into the
// pending queue's last segment when send() picks the stream, and the attached
// connection's coroutine writes a whole segment (up to 4 MiB) as one chunk:
// natural batching, no copy, no allocation in steady state, and buffers that
// stay near a segment's size whatever the queue holds (detail/write_queue.hpp). What raft answers while a reader of the peer
// delivers, and what transport::flush() finds, leaves at once instead, in one
// non-blocking write from the caller. Link heartbeats keep the stream alive.
// Encoded bytes count against the peer's byte cap until the write that
// carries them ends: the cap bounds what the writer holds, in flight included.
// Each written batch adds the protobuf sizes of its messages (heartbeats
// included) to peer_sent_bytes_total, as etcd does at each flush.
//
// stream_reader: the receiving end. Dials the peer, checks its answer as Go
// does, decodes frames as they arrive and hands messages to the peer's inbox;
// redials at most every dial_retry_interval. A stream carries data one way,
// so the reader lets the kernel delay its ACKs.
#pragma once

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/codec/msgappv2.hpp>
#include <rafthttp/detail/inbox.hpp>
#include <rafthttp/detail/notifier.hpp>
#include <rafthttp/detail/peer_context.hpp>
#include <rafthttp/detail/spawn.hpp>
#include <rafthttp/detail/version.hpp>
#include <rafthttp/detail/write_queue.hpp>
#include <rafthttp/http/client.hpp>
#include <rafthttp/http/server.hpp>


#include <memory>
#include <optional>
#include <string_view>
#include <variant>

namespace rafthttp {

enum class stream_type { message, msgapp };

// The path segment: "msgapp" is the msgappv2 stream (doc/protocol.md 3.3).
[[nodiscard]] inline std::string_view path_segment(stream_type t) {
  return t == stream_type::message ? "message" : "msgapp";
}

// The name etcd logs.
[[nodiscard]] inline std::string_view stream_name(stream_type t) {
  return t == stream_type::message ? "stream Message" : "stream MsgApp v2";
}

class stream_writer {
 public:
  // How often the queue frees the spare buffers that stayed unused (each
  // trim looks at the period since the last; detail/write_queue.hpp).
  static constexpr auto spare_trim_period = std::chrono::seconds(1);
  // More than a link heartbeat's frame takes on either stream (an empty
  // MsgHeartbeat and its length; one byte on msgappv2).
  static constexpr std::size_t link_heartbeat_frame_bound = 64;

  stream_writer(detail::peer_context& peer, stream_type type)
      : peer_(peer), type_(type), wakeup_(peer.core->executor) {}
  stream_writer(const stream_writer&) = delete;

  [[nodiscard]] bool working() const { return current_ != nullptr; }
  [[nodiscard]] std::size_t queued() const { return queued_; }

  // Encodes `m` (of protobuf size `size`) for the attached connection. False
  // when not working or full (etcd's 4096-message queue, or the peer's byte
  // cap), or when its encoding is not `size` bytes (a bug of ours, appended
  // nothing); the caller reports.
  bool try_enqueue(const message& m, std::size_t size) {
    if (!working() || queued_ >= peer_.core->options.stream_buffer_size) return false;
    const std::size_t frame = codec::frame_header_bytes + size;
    if (!peer_.has_room_for(frame)) return false;
    auto& segment = pending_.back_for(frame);
    const std::size_t before = segment.bytes.size();
    if (!append(m, size, segment.bytes)) {
      pending_.drop_empty_back();
      return false;
    }
    segment.protobuf_bytes += size;
    ++segment.messages;
    peer_.queued_bytes += segment.bytes.size() - before;
    ++queued_;
    // An answer raft gives while the peer's reader delivers waits for the
    // end of the delivery, which flushes (peer_context::delivery).
    if (!peer_.delivering()) wakeup_.notify();
    return true;
  }

  // Writes what is pending now (its first segment; the coroutine writes the
  // rest), in one non-blocking write from the caller, rather than after a hop
  // through the event loop to this writer's coroutine (that hop, and the
  // reactor pass Asio makes before it, cost a window-1 round trip more than
  // the rest of its user-space work). Called when a stream reader of this
  // peer has delivered what one read brought (raft's answers), and by
  // transport::flush at the end of a burst.
  void flush() {
    if (pending_.empty()) return;
    if (writing_now_ || !unsent_.empty() || !write_at_once() || !pending_.empty()) wakeup_.notify();
  }

  // Serves a connection that the stream handler has answered with 200 until
  // another one replaces it, a write fails or the writer stops.
  //
  // The bytes a write reads live in this coroutine's own buffer (`writing`):
  // a connection that replaces this one while its write is in flight gets a
  // coroutine and a buffer of its own, and cannot touch them.
  asio::awaitable<void> serve(http::exchange& ex) {
    const std::uint64_t generation = attach(ex);
    auto next_heartbeat = http::clock::now();  // a first heartbeat at once
    auto next_trim = next_heartbeat + spare_trim_period;
    const auto interval = peer_.core->options.link_heartbeat_interval;
    detail::byte_buffer writing;
    while (generation_ == generation && !peer_.stopped()) {
      const auto now = http::clock::now();
      peer_.core->stamp_append_requests(now);
      if (now >= next_trim) {
        pending_.trim_unused_spares();
        next_trim = now + spare_trim_period;
      }
      if (pending_.empty() && unsent_.empty() && now < next_heartbeat) {
        co_await wakeup_.wait_until(next_heartbeat);
        continue;
      }
      if (unsent_.empty() && now >= next_heartbeat) {
        append_heartbeat();
        next_heartbeat = now + interval;
        if (pending_.empty()) continue;  // it failed to encode: nothing to write
      }
      const batch b = take_next(writing);
      if (writing.empty()) continue;  // a segment an append that threw left empty: an empty chunk would end the body
      writing_now_ = true;
      const auto ec = co_await ex.write_chunk(writing.bytes(), b.already_written);
      peer_.release(writing.size());
      writing.clear();
      writing.trim(detail::write_queue::max_spare_capacity);  // a one-off large message's buffer
      if (generation_ != generation) break;  // replaced: the queue is the new connection's
      writing_now_ = false;
      if (ec) {
        fail(ec, b.messages);
        break;
      }
      written(b.messages, b.protobuf_bytes, now);
    }
    if (generation_ == generation) detach();
  }

  // Ends the attached connection; the writer stays unusable.
  void stop() {
    if (current_) {
      current_->conn().close();
      peer_.core->log(log_level::info, "closed TCP streaming connection with remote peer",
                      {{"stream-writer-type", std::string(stream_name(type_))}, {"remote-peer-id", peer_.id_text}});
    }
    detach();
    wakeup_.notify();
  }

 private:
  // Returns the protobuf size of `m` (what etcd's sent-bytes metric counts),
  // 0 when nothing was appended (its encoding was not as long as its size).
  std::size_t append(const message& m, detail::byte_buffer& out) {
    if (type_ == stream_type::message) return codec::append_frame(m, out, peer_.core->wire_style);
    return msgapp_encoder_->append(m, out);
  }
  [[nodiscard]] bool append(const message& m, std::size_t size, detail::byte_buffer& out) {
    if (type_ == stream_type::message) return codec::append_frame(m, size, out, peer_.core->wire_style);
    return msgapp_encoder_->append(m, size, out);
  }

  // A link heartbeat, counted as any message is (it fits whatever the cap;
  // one that failed to encode appended nothing and counts 0).
  void append_heartbeat() {
    auto& segment = pending_.back_for(link_heartbeat_frame_bound);
    const std::size_t before = segment.bytes.size();
    segment.protobuf_bytes += append(raftpb::link_heartbeat(), segment.bytes);
    peer_.queued_bytes += segment.bytes.size() - before;
    pending_.drop_empty_back();
  }

  // Writes the first pending segment as one chunk without waiting (the
  // coroutine writes any others). True when the socket took all of it. After
  // a partial write the chunk's data moves to unsent_ and the coroutine
  // writes the rest, uncopied.
  bool write_at_once() {
    const auto now = http::clock::now();
    peer_.core->stamp_append_requests(now);
    const std::size_t size = pending_.front().bytes.size();
    if (size == 0) return false;  // left empty by an append that threw: the coroutine drops it
    const http::chunk_buffers chunk(pending_.front().bytes.bytes());
    const std::size_t whole = asio::buffer_size(chunk.buffers());
    const std::size_t n = current_->conn().write_now(chunk.buffers());
    if (n == 0) return false;  // the coroutine writes it (and meets any error)
    const auto taken = pending_.pop_front(unsent_);  // the same bytes, not copied
    queued_ -= taken.messages;
    written(taken.messages, taken.protobuf_bytes, now);
    if (n == whole) {
      peer_.release(size);
      pending_.give_back(std::move(unsent_));
      return true;
    }
    unsent_written_ = n;  // still counted: the coroutine releases it once written
    peer_.dequeued();
    return false;
  }

  // What the coroutine writes next, moved into its `writing`: the rest of a
  // chunk write_at_once() began (its messages were counted then), else the
  // first pending segment. Its bytes stay counted against the cap until
  // written.
  struct batch {
    std::size_t messages = 0;
    std::size_t protobuf_bytes = 0;
    std::size_t already_written = 0;  // bytes of the chunk on the wire already
  };
  batch take_next(detail::byte_buffer& writing) {
    if (!unsent_.empty()) {
      writing.swap(unsent_);
      pending_.give_back(std::move(unsent_));
      return {0, 0, unsent_written_};
    }
    const auto taken = pending_.pop_front(writing);
    queued_ -= taken.messages;
    peer_.dequeued();
    return {taken.messages, taken.protobuf_bytes, 0};
  }

  // A batch reached the connection: etcd's flush accounting. On msgappv2,
  // etcd's encoder calls FollowerStats.Succ after writing each MsgApp record
  // (with the time that write took); ours writes a batch at once, so each of
  // its records counts as written in the time the batch took.
  void written(std::size_t messages, std::size_t protobuf_bytes, http::clock::time_point started) {
    peer_.series.sent_bytes.add(protobuf_bytes);
    if (type_ == stream_type::msgapp && messages > 0 && peer_.follower)
      peer_.follower->succeed(http::clock::now() - started, messages);
  }

  std::uint64_t attach(http::exchange& ex) {
    if (current_) {
      peer_.core->log(log_level::warn, "closed an existing TCP streaming connection with a peer",
                      {{"stream-type", std::string(stream_name(type_))}, {"remote-peer-id", peer_.id_text}});
    }
    drop_queue();
    current_ = &ex;
    msgapp_encoder_.emplace(peer_.core->options.id, peer_.id, peer_.core->wire_style);
    peer_.status.activate();
    peer_.core->log(log_level::info, "established TCP streaming connection with remote peer",
                    {{"stream-writer-type", std::string(stream_name(type_))}, {"remote-peer-id", peer_.id_text}});
    wakeup_.notify();  // the replaced connection's coroutine returns
    return ++generation_;
  }

  void detach() {
    current_ = nullptr;
    ++generation_;
    drop_queue();
  }

  // Queued messages belong to the connection they were encoded for; a new or
  // lost connection drops them, and raft hears that the peer is unreachable.
  void drop_queue() {
    const bool had_messages = queued_ > 0;
    queued_ = 0;
    peer_.release(pending_.size() + unsent_.size());
    pending_.clear();
    pending_.free_spares();  // the emptied segments too: until a connection needs them again
    unsent_ = {};
    writing_now_ = false;  // a write still in flight belongs to the old connection
    if (had_messages) peer_.report_unreachable();
  }

  void fail(std::error_code ec, std::size_t lost_messages) {
    peer_.status.deactivate(std::string("failed to write ") + std::string(stream_name(type_)) + ": " + ec.message());
    peer_.series.sent_failures.inc();
    if (current_) current_->conn().close();
    detach();
    if (lost_messages > 0) peer_.report_unreachable();
    peer_.core->log(log_level::warn, "lost TCP streaming connection with remote peer",
                    {{"stream-writer-type", std::string(stream_name(type_))},
                     {"local-member-id", peer_.core->local_id}, {"remote-peer-id", peer_.id_text},
                     {"error", ec.message()}});
  }

  detail::peer_context& peer_;
  stream_type type_;
  detail::notifier wakeup_;
  http::exchange* current_ = nullptr;
  std::uint64_t generation_ = 0;  // which attached connection is current
  std::optional<codec::msgappv2_encoder> msgapp_encoder_;
  detail::write_queue pending_;   // encoded, waiting for the connection
  detail::byte_buffer unsent_;    // the data of a chunk write_at_once() wrote in part
  std::size_t unsent_written_ = 0;  // how much of that chunk it wrote
  bool writing_now_ = false;      // the coroutine awaits a write
  std::size_t queued_ = 0;        // messages in pending_
};

class stream_reader {
 public:
  stream_reader(detail::peer_context& peer, detail::inbox& inbox, stream_type type)
      : peer_(peer), inbox_(inbox), type_(type), pacing_(peer.core->executor) {}
  stream_reader(const stream_reader&) = delete;

  // A reader that an exception ended lets its connection go and dials again
  // (at the dial rate, as after any failure).
  void start(const std::shared_ptr<void>& keep_alive) {
    detail::spawn(peer_.core->executor, run(keep_alive), [this, keep_alive](std::exception_ptr e) {
      peer_.core->report_task_exception(std::string(stream_name(type_)) + " reader", e);
      if (connection_) connection_->close();
      connection_ = nullptr;
      attached_ = false;
      if (!peer_.stopped()) start(keep_alive);
    });
  }

  void stop() {
    if (connection_) connection_->close();
    pacing_.notify();
  }

  // A dialled stream is attached (the peer answered 200 and it still reads).
  [[nodiscard]] bool attached() const { return attached_; }

 private:
  asio::awaitable<void> run([[maybe_unused]] std::shared_ptr<void> keep_alive) {
    auto running = peer_.core->tasks.track();
    while (!peer_.stopped()) {
      // DialRetryFrequency: at most one dial per interval.
      const auto next = last_dial_ + peer_.core->options.dial_retry_interval;
      if (http::clock::now() < next) {
        co_await pacing_.wait_until(next);
        continue;
      }
      last_dial_ = http::clock::now();
      co_await dial_and_read();
    }
  }

  asio::awaitable<void> dial_and_read() {
    const peer_url url = peer_.picker.pick();
    auto& core = *peer_.core;
    auto conn = http::connection::make(core.executor);
    connection_ = conn;
    const auto ec =
        co_await http::dial(*conn, url, http::deadline_after(core.options.client.dial_timeout), core.tls.get());
    if (peer_.stopped()) co_return;
    if (ec) {
      connection_ = nullptr;
      fail(url, "failed to dial " + url.text + ": " + ec.message());
      co_return;
    }
    http::client_exchange exchange(conn, core.options.client);
    co_await read_stream(exchange, url);
    conn->close();
    connection_ = nullptr;
    attached_ = false;
  }

  asio::awaitable<void> read_stream(http::client_exchange& exchange, const peer_url& url) {
    auto& core = *peer_.core;
    http::request_head head("GET", "/raft/stream/" + std::string(path_segment(type_)) + "/" + core.local_id,
                            core.request_headers());
    head.headers.add("X-Raft-To", peer_.id_text);
    head.headers.add("Host", http::host_header(url));
    auto ec = co_await exchange.send(head, {});
    if (!ec) ec = co_await exchange.read_head(http::deadline_after(core.options.client.read_timeout));
    if (peer_.stopped()) co_return;
    if (ec) {
      fail(url, "failed to read stream response: " + ec.message());
      co_return;
    }
    if (!check_response(exchange.response(), url)) co_return;
    peer_.status.activate();
    attached_ = true;
    core.log(log_level::info, "established TCP streaming connection with remote peer",
             {{"stream-reader-type", std::string(stream_name(type_))}, {"remote-peer-id", peer_.id_text}});
    if (type_ == stream_type::message) {
      codec::message_stream_decoder decoder(core.options.codec.max_frame_bytes);
      ec = co_await decode_body(exchange, decoder);
    } else {
      codec::msgappv2_decoder decoder(core.options.id, peer_.id, core.options.codec.max_frame_bytes, core.wire_style);
      ec = co_await decode_body(exchange, decoder);
    }
    if (peer_.stopped()) co_return;
    // The server ending the body (EOF) is no failure (doc/protocol.md 6.5).
    if (ec && ec != http::errc::connection_closed) {
      peer_.status.deactivate("lost " + std::string(stream_name(type_)) + ": " + ec.message());
    }
    core.log(log_level::warn, "lost TCP streaming connection with remote peer",
             {{"stream-reader-type", std::string(stream_name(type_))}, {"remote-peer-id", peer_.id_text},
              {"error", ec ? ec.message() : "EOF"}});
  }

  // doc/protocol.md 4.2: the version header is checked before the status code.
  bool check_response(const http::response_head& response, const peer_url& url) {
    auto& core = *peer_.core;
    const auto server = detail::header_version(response.headers.get("X-Server-Version"));
    if (!server || (detail::minor_less(*server, core.server_version) && !detail::supports_streams(*server))) {
      peer_.picker.unreachable(url);  // no status change: an old peer, not a failure
      core.log(log_level::warn, "peer does not support this stream type",
               {{"stream-type", std::string(stream_name(type_))}, {"remote-peer-id", peer_.id_text}});
      return false;
    }
    switch (response.status) {
      case 200: return true;
      case 410:
        core.report_critical(errc::member_removed);
        break;
      case 404: fail(url, "peer failed to find local node"); return false;
      case 412: fail(url, "precondition failed (cluster ID or version mismatch)"); return false;
      default: break;
    }
    fail(url, "unhandled http status " + std::to_string(response.status));
    return false;
  }

  template <class Decoder>
  asio::awaitable<std::error_code> decode_body(http::client_exchange& exchange, Decoder& decoder) {
    const auto read_timeout = peer_.core->options.client.read_timeout;
    for (;;) {
      const auto [read_error, piece] = co_await exchange.read_body_some(read_timeout);
      if (read_error || peer_.stopped()) co_return read_error;
      // The server ended the body: EOF between frames; inside one, Go's
      // io.ErrUnexpectedEOF, a failure that deactivates the peer.
      if (piece.empty() && decoder.at_boundary()) co_return http::errc::connection_closed;
      if (piece.empty()) co_return codec::errc::truncated;
      if (const auto ec = deliver(decoder, piece)) co_return ec;
      if (connection_) connection_->delay_acks();  // after the answers left: off their path
    }
  }

  // Hands raft the messages of one read; the answers it gives meanwhile
  // leave together at the end (stream_writer::flush).
  template <class Decoder>
  std::error_code deliver(Decoder& decoder, std::span<const std::uint8_t> piece) {
    const detail::peer_context::delivery delivering(peer_);
    return decoder.feed(piece, [this, &decoder](message& m) { receive(m, decoder.message_bytes()); });
  }

  // etcd counts every decoded message's protobuf size, paused or not, link
  // heartbeats included (under From "0"); the decoder knows it.
  void receive(message& m, std::size_t protobuf_bytes) {
    peer_.note_received(m, protobuf_bytes);
    if (peer_.paused || raftpb::is_link_heartbeat(m) || !peer_.admit_received(m)) return;
    (void)inbox_.deliver(m);
  }

  void fail(const peer_url& url, const std::string& reason) {
    peer_.status.deactivate(reason);
    peer_.picker.unreachable(url);
  }

  detail::peer_context& peer_;
  detail::inbox& inbox_;
  stream_type type_;
  detail::notifier pacing_;
  std::shared_ptr<http::connection> connection_;
  http::clock::time_point last_dial_{};
  bool attached_ = false;
};

}  // namespace rafthttp
