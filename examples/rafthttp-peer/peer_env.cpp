#include "peer_env.hpp"

#include "stats.hpp"

#include <algorithm>

namespace peer_cli {

namespace {

// How often readiness is looked at (the Go peer polls as often).
constexpr auto readiness_poll_interval = std::chrono::milliseconds(5);

bool listed(const std::vector<member_urls>& members, rafthttp::member_id id) {
  return std::ranges::any_of(members, [id](const member_urls& m) { return m.id == id; });
}

// A peer is active once the transport has talked to it successfully (etcd's
// ActiveSince is non-zero).
bool all_peers_active(const peer_env& env) {
  return std::ranges::all_of(env.cfg.peers, [&env](const member_urls& m) {
    return env.transport.active_since(m.id) != peer_transport::time_point{};
  });
}

// streams_attached(type): --to has dialled our stream of that type, so our
// writer can use it (a message sent now goes over the stream, not a POST).
bool wanted_streams_attached(const peer_env& env) {
  const auto wanted = env.cfg.wait_streams;
  if (!wanted.msgapp && !wanted.message) return true;
  const auto peer = env.transport.find_peer(env.cfg.to);
  if (!peer) return false;
  return (!wanted.msgapp || peer->streams_attached(rafthttp::stream_type::msgapp)) &&
         (!wanted.message || peer->streams_attached(rafthttp::stream_type::message));
}

}  // namespace

bool to_is_peer(const config& cfg) { return listed(cfg.peers, cfg.to); }

bool to_is_known(const config& cfg) { return listed(cfg.peers, cfg.to) || listed(cfg.remotes, cfg.to); }

asio::awaitable<readiness> wait_ready(peer_env& env) {
  const auto start = steady_clock::now();
  const auto deadline = start + env.cfg.wait_active;
  readiness ready;
  for (;;) {
    ready.peers_active = all_peers_active(env);
    ready.streams_ready = wanted_streams_attached(env);
    const auto now = steady_clock::now();
    if ((ready.peers_active && ready.streams_ready) || now >= deadline || env.control.interrupted()) break;
    const auto next_look = std::min(deadline, now + readiness_poll_interval);
    co_await env.control.wait_until(next_look);
  }
  ready.waited_s = seconds_between(start, steady_clock::now());
  co_return ready;
}

asio::awaitable<void> linger(peer_env& env, std::string_view stop_reason) {
  if (stop_reason == "signal") co_return;
  const auto deadline = steady_clock::now() + env.cfg.linger;
  co_await env.control.sleep_until(deadline);
}

std::string stop_reason_or(const peer_env& env, std::string_view otherwise) {
  return env.control.interrupted() ? "signal" : std::string(otherwise);
}

}  // namespace peer_cli
