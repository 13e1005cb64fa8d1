// Receiving a snapshot (doc/protocol.md 8.3): the body of a POST /raft/snapshot
// is the length-prefixed MsgSnap (the envelope) and then the database bytes,
// which go to the Snapshotter policy piece by piece; raft's Process sees the
// MsgSnap only once the DB is saved, and its outcome is the answer.
//
// The endpoint's first checks (method, version, cluster, learning the
// sender's URLs) are every endpoint's and stay in handlers.hpp; what follows
// them is here, and takes from the transport only its core and the
// received-bytes counter of a sender.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/detail/core.hpp>
#include <rafthttp/detail/go_format.hpp>
#include <rafthttp/detail/serving.hpp>
#include <rafthttp/http/server.hpp>
#include <rafthttp/metrics/network.hpp>
#include <rafthttp/snapshot/db.hpp>

#include <asio/awaitable.hpp>

namespace rafthttp::detail {

// The DB bytes after the envelope: first what arrived with the envelope, then
// the rest of the body.
class exchange_db_reader final : public db_reader {
 public:
  exchange_db_reader(http::exchange& ex, std::span<const std::uint8_t> leftover) : ex_(ex), leftover_(leftover) {}

  asio::awaitable<std::tuple<std::error_code, std::span<const std::uint8_t>>> read_some() override {
    if (!leftover_.empty()) {
      bytes_read_ += leftover_.size();
      co_return std::tuple(std::error_code{}, std::exchange(leftover_, {}));
    }
    auto piece = co_await ex_.read_body_some();
    bytes_read_ += std::get<1>(piece).size();
    co_return piece;
  }

  // The DB bytes handed to the snapshotter (etcd's n of SaveDBFrom).
  [[nodiscard]] std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  http::exchange& ex_;
  std::span<const std::uint8_t> leftover_;
  std::uint64_t bytes_read_ = 0;
};

// The MsgSnap that starts a POST /raft/snapshot body, and the bytes of the
// last piece read that lie beyond it (the DB's first bytes).
struct snapshot_envelope {
  std::error_code ec;
  message msg;
  std::span<const std::uint8_t> leftover;
};

// Reads the envelope with the message stream's frame parser. A frame inside
// one piece is parsed in place; one cut by a piece's end is gathered (what
// arrived, never what its length prefix claims).
inline asio::awaitable<snapshot_envelope> read_envelope(http::exchange& ex, std::size_t limit) {
  snapshot_envelope out;
  byte_buffer gathered;
  for (;;) {
    const auto [ec, piece] = co_await ex.read_body_some();
    if (ec || piece.empty()) {
      out.ec = ec ? ec : std::error_code(codec::errc::truncated);
      co_return out;
    }
    const std::size_t held = gathered.size();
    if (held > 0) gathered.append(piece);
    const auto step = codec::parse_frame(held > 0 ? gathered.bytes() : piece, limit, out.msg);
    if (step.error) {
      out.ec = step.error;
      co_return out;
    }
    if (step.consumed > 0) {
      out.leftover = piece.subspan(step.consumed - held);
      co_return out;
    }
    if (held == 0) gathered.append(piece);
  }
}

// etcd_network_peer_received_bytes_total{From} of a sender, as the transport
// resolves it (a peer's own series, or a bounded untrusted one).
using received_bytes_counter = std::function<counter&(member_id)>;

// One POST /raft/snapshot after the checks every endpoint makes: the
// envelope, the DB saved, then Process, each failure answered and counted as
// etcd does (snapshot_receive_failures{From}, From being the sender's claim:
// its series are bounded).
class snapshot_receiver {
 public:
  snapshot_receiver(core& c, http::exchange& ex, http::fields headers, received_bytes_counter received_bytes_of)
      : c_(c), ex_(ex), headers_(std::move(headers)), received_bytes_of_(std::move(received_bytes_of)) {}
  snapshot_receiver(const snapshot_receiver&) = delete;

  asio::awaitable<void> serve() {
    auto envelope = co_await read_envelope(ex_, c_.options.max_snapshot_envelope_bytes);
    const message& m = envelope.msg;
    from_ = format_id(m.from);  // as Go: "0" when nothing was decoded
    if (envelope.ec) {
      count_unreadable_post(c_, ex_);
      c_.log(log_level::warn, "failed to decode Raft message",
             {{"remote-addr", ex_.remote_address()}, {"remote-snapshot-sender-id", from_},
              {"error", envelope.ec.message()}});
      co_await fail(400, "failed to decode raft message (" + envelope.ec.message() + ")");
      co_return;
    }
    const std::size_t message_bytes = raftpb::encoded_size(m, c_.wire_style);
    counter& received_bytes = received_bytes_of_(m.from);
    received_bytes.add(message_bytes);
    if (const auto refused = refusal(m)) {
      co_await fail(refused->status, std::string(refused->text));
      co_return;
    }
    const gauge_hold in_flight(c_.metrics.snapshot_receive_inflights.with_untrusted({from_}, series_limit()));
    c_.log(log_level::info, "receiving database snapshot",
           {{"local-member-id", c_.local_id}, {"remote-snapshot-sender-id", from_},
            {"incoming-snapshot-index", std::to_string(m.snapshot.metadata.index)},
            {"incoming-snapshot-message-size-bytes", std::to_string(message_bytes)}});
    exchange_db_reader body(ex_, envelope.leftover);
    const auto saved = co_await save(m, body);
    if (!saved) co_return;
    received_bytes.add(body.bytes_read());
    co_await process(envelope.msg);
  }

 private:
  [[nodiscard]] std::size_t series_limit() const { return c_.options.max_untrusted_metric_series; }

  // Why a decoded envelope is refused before any DB byte is read, logged;
  // none when it is a MsgSnap this member can take.
  std::optional<rejection> refusal(const message& m) {
    if (m.type != message_type::MsgSnap) {
      c_.log(log_level::warn, "unexpected Raft message type",
             {{"remote-snapshot-sender-id", from_}, {"message-type", raftpb::to_string(m.type)}});
      return rejection{400, "wrong raft message type"};
    }
    if (c_.stopped) return rejection{503, "transport stopped"};
    // etcd's server would save the DB first, then refuse the message (with
    // the 500 its unusable HTTPError gives, see serve_pipeline); we refuse
    // before anything is written.
    if (m.to != c_.options.id) {
      log_refusal(c_, m, delivery_refusal::wrong_recipient);
      return rejection{500, "failed to process raft message (cannot process message to mismatch member)"};
    }
    return std::nullopt;
  }

  // The Snapshotter saves the DB: true once it did, else the POST is answered.
  asio::awaitable<bool> save(const message& m, exchange_db_reader& body) {
    const auto ec = co_await c_.snapshotter.save_db(m, body);
    if (ec) {
      c_.log(log_level::warn, "failed to save incoming database snapshot",
             {{"remote-snapshot-sender-id", from_},
              {"incoming-snapshot-index", std::to_string(m.snapshot.metadata.index)}, {"error", ec.message()}});
      co_await fail(500, "failed to save KV snapshot (" + ec.message() + ")");
      co_return false;
    }
    c_.log(log_level::info, "received and saved database snapshot",
           {{"local-member-id", c_.local_id}, {"remote-snapshot-sender-id", from_},
            {"incoming-snapshot-index", std::to_string(m.snapshot.metadata.index)},
            {"incoming-snapshot-size-bytes", std::to_string(body.bytes_read())},
            {"download-took", go_duration_string(http::clock::now() - started_)}});
    co_return true;
  }

  // Raft's Process, then the answer: 204, or what its error calls for.
  asio::awaitable<void> process(message& m) {
    if (c_.stopped) {
      co_await fail(503, "transport stopped");
      co_return;
    }
    const auto ec = co_await c_.raft.process(m);
    if (ec) {
      // A removed sender is answered 403, which etcd does not count as a failure.
      if (ec != errc::member_removed) failures().inc();
      co_await answer_process_error(ex_, std::move(headers_), ec, "failed to process raft message (" + ec.message() + ")");
      co_return;
    }
    (void)co_await ex_.respond(204, std::move(headers_));
    c_.metrics.snapshot_receive_success.with_untrusted({from_}, series_limit()).inc();
    const std::chrono::duration<double> took = http::clock::now() - started_;
    c_.metrics.snapshot_receive_seconds.with_untrusted({from_}, series_limit()).observe(took.count());
  }

  counter& failures() { return c_.metrics.snapshot_receive_failures.with_untrusted({from_}, series_limit()); }

  // A failed receive: counted, and answered with `status`.
  asio::awaitable<void> fail(int status, std::string text) {
    failures().inc();
    (void)co_await ex_.respond_error(status, text, std::move(headers_));
  }

  core& c_;
  http::exchange& ex_;
  http::fields headers_;
  received_bytes_counter received_bytes_of_;
  std::string from_;
  http::clock::time_point started_ = http::clock::now();
};

}  // namespace rafthttp::detail
