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

#include <rafthttp/detail/rfc3339.hpp>
#include <rafthttp/detail/serving.hpp>
#include <rafthttp/http/server.hpp>
#include <rafthttp/member_registry.hpp>
#include <rafthttp/metrics/network.hpp>
#include <rafthttp/raftpb/codec.hpp>
#include <rafthttp/snapshot/receiver.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rafthttp {

namespace detail {

// peer_received_bytes_total{From}: a peer's series is resolved already.
[[nodiscard]] inline counter& received_bytes_from(member_registry& members, member_id from) {
  if (const auto p = members.find_peer(from)) return p->received_bytes();
  return members.core->metrics.received_bytes.with_untrusted({format_id(from)},
                                                             members.core->options.max_untrusted_metric_series);
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

// Every endpoint's first checks; then the snapshot receiver (snapshot/receiver.hpp).
inline asio::awaitable<void> serve_snapshot(std::shared_ptr<member_registry> members, http::exchange& ex) {
  auto& c = *members->core;
  if (ex.request().method != "POST") {
    c.metrics.snapshot_receive_failures.with({unknown_snapshot_sender}).inc();
    (void)co_await ex.respond_method_not_allowed("POST");
    co_return;
  }
  http::fields headers;
  headers.add("X-Etcd-Cluster-ID", c.cluster_id);
  if (const auto r = check_compatibility(c, ex.request())) {
    c.metrics.snapshot_receive_failures.with({unknown_snapshot_sender}).inc();
    (void)co_await ex.respond_error(r->status, r->text, std::move(headers));
    co_return;
  }
  members->add_remote_from_request(ex.request());
  snapshot_receiver receiver(c, ex, std::move(headers),
                             [members](member_id from) -> counter& { return received_bytes_from(*members, from); });
  co_await receiver.serve();
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
