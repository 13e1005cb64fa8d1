// The HTTP routes the listener serves: the transport's (/raft...) behind a
// loopback guard, and GET /metrics.
#pragma once

#include "flags.hpp"
#include "peer_env.hpp"

#include <rafthttp/http/server.hpp>

#include <string>

namespace peer_cli {

// METRICS HOOK: the body of GET /metrics. rafthttp-cpp has no metrics module
// yet (etcd's etcd_network_* series, PROTOCOL.md 10.2); until it has, the
// body is empty, which is valid Prometheus text with no series. Once the
// library exports its metrics, render them here.
[[nodiscard]] inline std::string prometheus_metrics_text(const peer_transport& /*transport*/) { return {}; }

inline asio::awaitable<void> serve_metrics(rafthttp::http::exchange& ex, const peer_transport& transport) {
  rafthttp::http::fields headers;
  headers.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  const std::string body = prometheus_metrics_text(transport);
  (void)co_await ex.respond(200, std::move(headers), body);
}

// This program dials loopback only. The transport adds the sender of a
// request as a remote with the URLs of its X-PeerURLs header (etcd does), and
// would dial them later (an echo answers a sender it does not know through
// that remote), so a valid list naming another host is removed first; the
// Go peer does the same.
//
// LIBRARY GAP: the handlers offer no hook to vet X-PeerURLs (nor a dial
// filter), and exchange::request() is const. The request head belongs to the
// server connection's parser, a mutable object, so the const_cast is sound.
inline void drop_foreign_peer_urls(rafthttp::http::exchange& ex) {
  const auto header = ex.request().headers.get("X-PeerURLs");
  if (header.empty()) return;
  const auto urls = rafthttp::url_list::parse(header);
  if (!urls) return;  // an invalid list: the transport ignores it itself
  const bool all_loopback = std::ranges::all_of(urls->urls(), [](const auto& url) { return is_loopback_host(url.host); });
  if (!all_loopback) const_cast<rafthttp::http::request_head&>(ex.request()).headers.erase("X-PeerURLs");
}

// Serves `transport_routes` (where transport.mount put its handlers) on
// `served` behind the loopback guard, and /metrics beside them. Both routers
// must outlive the server.
inline void mount_routes(rafthttp::http::router& served, const rafthttp::http::router& transport_routes,
                         const peer_transport& transport) {
  served.mount("/", [&transport_routes](rafthttp::http::exchange& ex) -> asio::awaitable<void> {
    drop_foreign_peer_urls(ex);
    const rafthttp::http::handler* handler = transport_routes.find(ex.request().path());
    if (handler == nullptr) {
      (void)co_await ex.respond_error(404, "404 page not found");
      co_return;
    }
    co_await (*handler)(ex);
  });
  served.mount("/metrics", [&transport](rafthttp::http::exchange& ex) { return serve_metrics(ex, transport); });
}

}  // namespace peer_cli
