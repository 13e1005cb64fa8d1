// What the endpoints share (doc/protocol.md 3): the version
// and cluster checks every request passes first, and the answers and log
// lines for what cannot be read, delivered or processed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <rafthttp/detail/core.hpp>
#include <rafthttp/detail/delivery_check.hpp>
#include <rafthttp/detail/version.hpp>
#include <rafthttp/http/server.hpp>
#include <rafthttp/raftpb/codec.hpp>

#include <asio/awaitable.hpp>

namespace rafthttp::detail {

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

}  // namespace rafthttp::detail
