// sink and echo: receive and record until --duration, --expect or --idle (or a
// signal) ends the run. echo also answers from inside process(), the way a
// raft node answers a leader.
#include "peer_env.hpp"

#include "content.hpp"
#include "stats.hpp"

namespace peer_cli {

namespace {

using clock = steady_clock;

// The echo: send the answer straight from process(). The transport belongs
// to this thread and send() never blocks, so that is allowed.
void answer(peer_env& env, const rafthttp::message& m) {
  const auto reply = echo_reply(env.cfg.id, m);
  if (!reply) return;
  env.transport.send(*reply);
  env.raft.count_echo_reply();
}

// How often the --idle clock is looked at before the first message: rejected
// messages (--removed) start it too, and they pass no hook.
constexpr auto first_arrival_poll_interval = std::chrono::milliseconds(5);

// Whether the mode must look at its stop conditions after this arrival.
bool worth_a_look(const peer_env& env) { return env.cfg.expect > 0 && env.raft.accepted() >= env.cfg.expect; }

// The stop_reason: duration, expect, idle or signal.
asio::awaitable<std::string> wait_receive_stop(peer_env& env) {
  const auto& cfg = env.cfg;
  const bool has_duration = cfg.run_for > clock::duration{0};
  const bool has_idle = cfg.idle > clock::duration{0};
  const auto end = clock::now() + cfg.run_for;
  for (;;) {
    if (env.control.interrupted()) co_return "signal";
    const auto now = clock::now();
    if (has_duration && now >= end) co_return "duration";
    if (cfg.expect > 0 && env.raft.accepted() >= cfg.expect) co_return "expect";
    // --idle counts from the latest message, once one arrived.
    const bool any_arrived = env.raft.last_arrival() != clock::time_point{};
    const auto idle_end = env.raft.last_arrival() + cfg.idle;
    if (has_idle && any_arrived && now >= idle_end) co_return "idle";

    auto next_look = clock::time_point::max();
    if (has_duration) next_look = std::min(next_look, end);
    if (has_idle) next_look = std::min(next_look, any_arrived ? idle_end : now + first_arrival_poll_interval);
    co_await env.control.wait_until(next_look);
  }
}

}  // namespace

asio::awaitable<std::string> run_receiver(peer_env& env) {
  const bool echo = env.cfg.mode == peer_mode::echo;
  env.raft.set_hook([&env, echo](const rafthttp::message& m, clock::time_point) {
    if (echo) answer(env, m);
    if (worth_a_look(env)) env.control.wake();
  });
  const std::string stop_reason = co_await wait_receive_stop(env);
  co_await linger(env, stop_reason);
  env.raft.freeze();

  json_writer w;
  env.raft.write_summary(w, env.identity, stop_reason, echo);
  co_return w.text();
}

}  // namespace peer_cli
