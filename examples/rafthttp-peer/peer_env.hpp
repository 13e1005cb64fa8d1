// What every mode works with: the transport built on the two policies of this
// example, the recorder (Raft policy), the run control, and the flags.
#pragma once

#include "flags.hpp"
#include "recorder.hpp"
#include "run_control.hpp"
#include "snapshots.hpp"

#include <rafthttp/transport.hpp>

#include <filesystem>
#include <string>

namespace peer_cli {

// The transport type of this program: etcd's Transport with our Raft policy
// (the recorder) and our Snapshotter policy (file_snapshotter + SHA-256).
using peer_transport = rafthttp::transport<recorder, describing_snapshotter>;

struct peer_env {
  const config& cfg;
  peer_transport& transport;
  recorder& raft;
  run_control& control;
  peer_identity identity;
  std::filesystem::path snap_dir;  // --snap-dir, or the temporary one
};

// --------------------------------------------------------------- helpers ---

// Whether --to is a --peer, or at least a --peer or a --remote.
[[nodiscard]] bool to_is_peer(const config& cfg);
[[nodiscard]] bool to_is_known(const config& cfg);

// send and snapshot first wait (at most --wait-active) until every --peer is
// active and the --wait-streams from --to are attached.
struct readiness {
  bool peers_active = false;
  bool streams_ready = false;
  double waited_s = 0;
};
asio::awaitable<readiness> wait_ready(peer_env& env);

// The MsgSnap of doc/peer-cli.md 6.4, to `to` (--to, or --background-snapshot-to).
[[nodiscard]] rafthttp::message snapshot_message(const config& cfg, rafthttp::member_id to);

// --linger: keep serving after the work, unless a signal ended the run.
asio::awaitable<void> linger(peer_env& env, std::string_view stop_reason);

// "signal" once SIGINT/SIGTERM arrived, else `otherwise`.
[[nodiscard]] std::string stop_reason_or(const peer_env& env, std::string_view otherwise);

// ----------------------------------------------------------------- modes ---
// Each returns the JSON object to print.

asio::awaitable<std::string> run_receiver(peer_env& env);  // sink, echo
asio::awaitable<std::string> run_send(peer_env& env);
asio::awaitable<std::string> run_snapshot(peer_env& env);

}  // namespace peer_cli
