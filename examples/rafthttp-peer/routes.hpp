// GET /metrics, served beside the transport's routes (/raft...).
#pragma once

#include "flags.hpp"
#include "peer_env.hpp"

#include <rafthttp/http/server.hpp>

#include <string>

namespace peer_cli {

// METRICS HOOK: the body of GET /metrics: etcd's etcd_network_* series
// (doc/protocol.md 13.1) in the Prometheus text format, as the transport renders
// them (add your own families to transport.metrics().registry).
[[nodiscard]] inline std::string prometheus_metrics_text(const peer_transport& transport) {
  return transport.render_metrics();
}

inline asio::awaitable<void> serve_metrics(rafthttp::http::exchange& ex, const peer_transport& transport) {
  rafthttp::http::fields headers;
  headers.add("Content-Type", std::string(rafthttp::prometheus_content_type));
  const std::string body = prometheus_metrics_text(transport);
  (void)co_await ex.respond(200, std::move(headers), body);
}

// GET /metrics beside the transport's routes.
inline void mount_metrics(rafthttp::http::router& routes, peer_transport& transport) {
  routes.mount("/metrics", [&transport](rafthttp::http::exchange& ex) { return serve_metrics(ex, transport); });
}

}  // namespace peer_cli
