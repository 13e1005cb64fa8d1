// The four HTTP endpoints of a transport (doc/protocol.md 3), with every check,
// header and status code of etcd 3.4, in etcd's order:
//
//   POST /raft                 pipeline: one message, processed before the 204
//   GET  /raft/stream/<type>/  a peer dials a stream; its writer takes the response
//   POST /raft/snapshot        MsgSnap envelope + DB body; DB saved, then processed
//   *    /raft/probing         {"OK":true,"Now":"..."}
//
// [HAZARD] notes honoured: 403 and 410 only for a member that really was
// removed; a valid X-Server-Version on every stream response.
#pragma once

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/detail/delivery_check.hpp>
#include <rafthttp/detail/go_format.hpp>
#include <rafthttp/detail/rfc3339.hpp>
#include <rafthttp/detail/version.hpp>
#include <rafthttp/http/server.hpp>
#include <rafthttp/member_registry.hpp>
#include <rafthttp/metrics/network.hpp>
#include <rafthttp/raftpb/codec.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rafthttp {

namespace detail {

struct rejection {
  int status;
  std::string_view text;
};

// Version compatibility, then cluster id (doc/protocol.md 2.5, 2.6). A version
// header that is not semver is incompatible here (Go would drop the request).
[[nodiscard]] inline std::optional<rejection> check_compatibility(const core& c, const http::request_head& request) {
  const auto server = header_version(request.headers.get("X-Server-Version"));
  const auto min_cluster = header_version(request.headers.get("X-Min-Cluster-Version"));
  if (!server || !min_cluster || !compatible(c.server_version, c.min_cluster_version, *server, *min_cluster))
    return rejection{412, "incompatible version"};
  if (request.headers.get("X-Etcd-Cluster-ID") != c.cluster_id) return rejection{412, "cluster ID mismatch"};
  return std::nullopt;
}

// peer_received_bytes_total{From}: a peer's series is resolved already.
[[nodiscard]] inline counter& received_bytes_from(member_registry& members, member_id from) {
  if (const auto p = members.find_peer(from)) return p->received_bytes();
  return members.core->metrics.received_bytes.with_untrusted({format_id(from)},
                                                             members.core->options.max_untrusted_metric_series);
}

// etcd labels failures to read a POSTed message with the sender's socket
// address (ip:port): no id is known yet.
inline void count_unreadable_post(core& c, const http::exchange& ex) {
  c.metrics.received_failures.with_untrusted({ex.remote_address()}, c.options.max_untrusted_metric_series).inc();
}

// A message check_delivery refuses, logged as etcd's server logs it.
inline void log_refusal(core& c, const message& m, delivery_refusal refusal) {
  c.log(log_level::warn, refusal_text(refusal),
        {{"local-member-id", c.local_id}, {"mismatch-member-id", format_id(m.to)},
         {"message-type", raftpb::to_string(m.type)}});
}

// What Raft::process returned, as the answer to a POST: 403 for a sender
// raft says was removed (etcd's "write yourself" errors), else 500.
inline asio::awaitable<void> answer_process_error(http::exchange& ex, http::fields headers, std::error_code ec,
                                                  std::string text) {
  if (ec == errc::member_removed) {
    (void)co_await ex.respond_error(403, "cannot process message from removed member", std::move(headers));
    co_return;
  }
  (void)co_await ex.respond_error(500, text, std::move(headers));
}

// ------------------------------------------------------------ POST /raft ---

inline asio::awaitable<void> serve_pipeline(std::shared_ptr<member_registry> members, http::exchange& ex) {
  auto& c = *members->core;
  if (ex.request().method != "POST") {
    (void)co_await ex.respond_method_not_allowed("POST");
    co_return;
  }
  http::fields headers;
  headers.add("X-Etcd-Cluster-ID", c.cluster_id);
  if (const auto r = check_compatibility(c, ex.request())) {
    (void)co_await ex.respond_error(r->status, r->text, std::move(headers));
    co_return;
  }
  members->add_remote_from_request(ex.request());
  byte_buffer body;
  const auto read_error = co_await ex.read_body(body, c.options.server.max_body_bytes);
  if (read_error) {
    count_unreadable_post(c, ex);
    c.log(log_level::warn, "failed to read Raft message", {{"remote-addr", ex.remote_address()},
                                                           {"error", read_error.message()}});
    const int status = read_error == http::errc::body_too_large ? 413 : 400;
    (void)co_await ex.respond_error(status, "error reading raft message", std::move(headers));
    co_return;
  }
  message m;
  if (const auto ec = raftpb::decode(body.bytes(), m)) {
    count_unreadable_post(c, ex);
    c.log(log_level::warn, "failed to unmarshal Raft message", {{"remote-addr", ex.remote_address()},
                                                                {"error", ec.message()}});
    (void)co_await ex.respond_error(400, "error unmarshalling raft message", std::move(headers));
    co_return;
  }
  received_bytes_from(*members, m.from).add(body.size());
  if (c.stopped) {
    (void)co_await ex.respond_error(503, "transport stopped", std::move(headers));
    co_return;
  }
  if (const auto refusal = check_delivery(m, c.options.id); refusal != delivery_refusal::none) {
    log_refusal(c, m, refusal);
    if (refusal == delivery_refusal::unknown_type) {
      (void)co_await ex.respond(204, std::move(headers));  // raft would ignore it
      co_return;
    }
    // etcd's server rejects it with an HTTPError whose WriteTo rafthttp's
    // handler cannot use (it returns an error), so the wire says 500 and the
    // connection drops. A 403 would tell a Go sender that it was removed.
    ex.abort();
    (void)co_await ex.respond_error(500, "error processing raft message", std::move(headers));
    co_return;
  }
  const auto ec = co_await c.raft.process(m);
  if (!ec) {
    (void)co_await ex.respond(204, std::move(headers));
    co_return;
  }
  c.log(log_level::warn, "failed to process Raft message", {{"error", ec.message()}});
  if (ec != errc::member_removed) ex.abort();  // Go aborts the connection after its 500
  co_await answer_process_error(ex, std::move(headers), ec, "error processing raft message");
}

// ----------------------------------------------------- GET /raft/stream/ ---

// The stream type and dialler id of a stream path, or the 404 text.
struct stream_target {
  stream_type type = stream_type::message;
  member_id from = 0;
  std::string_view error;
};

[[nodiscard]] inline stream_target parse_stream_path(std::string_view path) {
  const auto slash = path.rfind('/');
  const auto dir = path.substr(0, slash);
  stream_target t;
  if (dir == "/raft/stream/message") {
    t.type = stream_type::message;
  } else if (dir == "/raft/stream/msgapp") {
    t.type = stream_type::msgapp;
  } else {
    t.error = "invalid path";
    return t;
  }
  const auto from = parse_id(path.substr(slash + 1));
  if (from) t.from = *from;
  else t.error = "invalid from";
  return t;
}

inline asio::awaitable<void> serve_stream(std::shared_ptr<member_registry> members, http::exchange& ex) {
  auto& c = *members->core;
  if (ex.request().method != "GET") {
    (void)co_await ex.respond_method_not_allowed("GET");
    co_return;
  }
  http::fields headers;
  headers.add("X-Server-Version", c.options.server_version);
  headers.add("X-Etcd-Cluster-ID", c.cluster_id);
  auto reject = [&](int status, std::string_view text) { return ex.respond_error(status, text, headers); };
  if (const auto r = check_compatibility(c, ex.request())) {
    (void)co_await reject(r->status, r->text);
    co_return;
  }
  const auto target = parse_stream_path(ex.request().path());
  if (!target.error.empty()) {
    (void)co_await reject(404, target.error);
    co_return;
  }
  if (c.stopped || c.raft.is_id_removed(target.from)) {
    (void)co_await reject(c.stopped ? 404 : 410, c.stopped ? "error sender not found" : "removed member");
    co_return;
  }
  const auto p = members->find_peer(target.from);
  if (!p) {
    members->add_remote_from_header(target.from, ex.request());
    c.log(log_level::warn, "failed to find remote peer in cluster", {{"remote-peer-id", format_id(target.from)}});
    (void)co_await reject(404, "error sender not found");
    co_return;
  }
  if (ex.request().headers.get("X-Raft-To") != c.local_id) {
    (void)co_await reject(412, "to field mismatch");
    co_return;
  }
  const auto ec = co_await ex.start_chunked(200, headers);
  ex.close_after();  // stream connections are never reused
  if (ec) co_return;
  co_await p->writer(target.type).serve(ex);
}

// ----------------------------------------------------- POST /raft/snapshot ---

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

inline asio::awaitable<void> serve_snapshot(std::shared_ptr<member_registry> members, http::exchange& ex) {
  const auto started = http::clock::now();
  auto& c = *members->core;
  auto& metrics = c.metrics;
  if (ex.request().method != "POST") {
    metrics.snapshot_receive_failures.with({unknown_snapshot_sender}).inc();
    (void)co_await ex.respond_method_not_allowed("POST");
    co_return;
  }
  http::fields headers;
  headers.add("X-Etcd-Cluster-ID", c.cluster_id);
  if (const auto r = check_compatibility(c, ex.request())) {
    metrics.snapshot_receive_failures.with({unknown_snapshot_sender}).inc();
    (void)co_await ex.respond_error(r->status, r->text, std::move(headers));
    co_return;
  }
  members->add_remote_from_request(ex.request());
  auto envelope = co_await read_envelope(ex, c.options.max_snapshot_envelope_bytes);
  std::error_code ec = envelope.ec;
  message& m = envelope.msg;
  const auto leftover = envelope.leftover;
  const std::string from = format_id(m.from);  // as Go: "0" when nothing was decoded
  // `from` is the sender's claim: its series are bounded (untrusted).
  const auto limit = c.options.max_untrusted_metric_series;
  auto& receive_failures = metrics.snapshot_receive_failures.with_untrusted({from}, limit);
  if (ec) {
    count_unreadable_post(c, ex);
    receive_failures.inc();
    c.log(log_level::warn, "failed to decode Raft message", {{"remote-addr", ex.remote_address()},
                                                             {"remote-snapshot-sender-id", from},
                                                             {"error", ec.message()}});
    (void)co_await ex.respond_error(400, "failed to decode raft message (" + ec.message() + ")", std::move(headers));
    co_return;
  }
  const std::size_t message_bytes = raftpb::encoded_size(m, c.wire_style);
  auto& received_bytes = received_bytes_from(*members, m.from);
  received_bytes.add(message_bytes);
  if (m.type != message_type::MsgSnap) {
    receive_failures.inc();
    c.log(log_level::warn, "unexpected Raft message type",
          {{"remote-snapshot-sender-id", from}, {"message-type", raftpb::to_string(m.type)}});
    (void)co_await ex.respond_error(400, "wrong raft message type", std::move(headers));
    co_return;
  }
  const gauge_hold in_flight(metrics.snapshot_receive_inflights.with_untrusted({from}, limit));
  if (c.stopped) {
    receive_failures.inc();
    (void)co_await ex.respond_error(503, "transport stopped", std::move(headers));
    co_return;
  }
  // etcd's server would save the DB first, then refuse the message (with the
  // 500 its unusable HTTPError gives, see serve_pipeline); we refuse before
  // anything is written.
  if (m.to != c.options.id) {
    receive_failures.inc();
    log_refusal(c, m, delivery_refusal::wrong_recipient);
    (void)co_await ex.respond_error(500, "failed to process raft message (cannot process message to mismatch member)",
                                    std::move(headers));
    co_return;
  }
  c.log(log_level::info, "receiving database snapshot",
        {{"local-member-id", c.local_id}, {"remote-snapshot-sender-id", from},
         {"incoming-snapshot-index", std::to_string(m.snapshot.metadata.index)},
         {"incoming-snapshot-message-size-bytes", std::to_string(message_bytes)}});
  exchange_db_reader body(ex, leftover);
  ec = co_await c.snapshotter.save_db(m, body);
  if (ec) {
    receive_failures.inc();
    c.log(log_level::warn, "failed to save incoming database snapshot",
          {{"remote-snapshot-sender-id", from},
           {"incoming-snapshot-index", std::to_string(m.snapshot.metadata.index)}, {"error", ec.message()}});
    (void)co_await ex.respond_error(500, "failed to save KV snapshot (" + ec.message() + ")", std::move(headers));
    co_return;
  }
  received_bytes.add(body.bytes_read());
  c.log(log_level::info, "received and saved database snapshot",
        {{"local-member-id", c.local_id}, {"remote-snapshot-sender-id", from},
         {"incoming-snapshot-index", std::to_string(m.snapshot.metadata.index)},
         {"incoming-snapshot-size-bytes", std::to_string(body.bytes_read())},
         {"download-took", go_duration_string(http::clock::now() - started)}});
  if (c.stopped) {
    receive_failures.inc();
    (void)co_await ex.respond_error(503, "transport stopped", std::move(headers));
    co_return;
  }
  ec = co_await c.raft.process(m);
  if (ec) {
    // A removed sender is answered 403, which etcd does not count as a failure.
    if (ec != errc::member_removed) receive_failures.inc();
    co_await answer_process_error(ex, std::move(headers), ec, "failed to process raft message (" + ec.message() + ")");
    co_return;
  }
  (void)co_await ex.respond(204, std::move(headers));
  metrics.snapshot_receive_success.with_untrusted({from}, limit).inc();
  const std::chrono::duration<double> took = http::clock::now() - started;
  metrics.snapshot_receive_seconds.with_untrusted({from}, limit).observe(took.count());
}

// ------------------------------------------------------- /raft/probing ---

inline asio::awaitable<void> serve_probing(http::exchange& ex) {
  http::fields headers;
  headers.add("Content-Type", "application/json");
  const std::string body =
      "{\"OK\":true,\"Now\":\"" + format_rfc3339_nano(std::chrono::system_clock::now()) + "\"}\n";
  (void)co_await ex.respond(200, std::move(headers), body);
}

}  // namespace detail

// The four routes as Go's mux registers them (doc/protocol.md 3.1).
inline void mount_handlers(http::router& router, const std::shared_ptr<member_registry>& members) {
  router.mount("/raft", [members](http::exchange& ex) { return detail::serve_pipeline(members, ex); });
  router.mount("/raft/stream/", [members](http::exchange& ex) { return detail::serve_stream(members, ex); });
  router.mount("/raft/snapshot", [members](http::exchange& ex) { return detail::serve_snapshot(members, ex); });
  router.mount("/raft/probing", [](http::exchange& ex) { return detail::serve_probing(ex); });
}

inline void unmount_handlers(http::router& router) {
  for (const char* route : {"/raft", "/raft/stream/", "/raft/snapshot", "/raft/probing"}) router.unmount(route);
}

}  // namespace rafthttp
