// The HTTP routes the listener serves: the transport's (/raft...) and GET /metrics.
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

// The transport's routes (/raft...) and /metrics beside them, on one router.
inline void mount_routes(rafthttp::http::router& served, peer_transport& transport) {
  transport.mount(served);
  served.mount("/metrics", [&transport](rafthttp::http::exchange& ex) { return serve_metrics(ex, transport); });
}

}  // namespace peer_cli
