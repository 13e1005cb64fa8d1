// snapshot: one MsgSnap with a DB body to --to through send_snapshot(), then
// wait for the outcome (etcd reports it to raft too: report_snapshot).
#include "peer_env.hpp"

#include "stats.hpp"

#include <rafthttp/raftpb/codec.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>

#include <unistd.h>

namespace peer_cli {

// The MsgSnap of doc/peer-cli.md 6.4: metadata --snap-index/--snap-term, ConfState
// voters = this member and every --peer (ascending), Snapshot.Data of
// --snap-data-size bytes.
rafthttp::message snapshot_message(const config& cfg, rafthttp::member_id to) {
  rafthttp::message m;
  m.type = rafthttp::message_type::MsgSnap;
  m.from = cfg.id;
  m.to = to;
  m.term = cfg.snap_term;
  std::set<rafthttp::member_id> voters{cfg.id};
  for (const auto& p : cfg.peers) voters.insert(p.id);
  auto& metadata = m.snapshot.metadata;
  metadata.conf_state.voters.assign(voters.begin(), voters.end());
  metadata.index = cfg.snap_index;
  metadata.term = cfg.snap_term;
  fill_stream_bytes(cfg.content.seed, snapshot_data_stream_key, static_cast<std::size_t>(cfg.snap_data_size),
                    m.snapshot.data);
  return m;
}

namespace {

using clock = steady_clock;

// The DB body's source: generated as it is sent, or the file `db_file`
// (--db-file-dir), which a plain connection sends by sendfile.
std::unique_ptr<rafthttp::db_source> db_source_for(const config& cfg, const std::filesystem::path& db_file) {
  if (db_file.empty()) return std::make_unique<deterministic_db_source>(cfg.content.seed, cfg.db_size);
  return std::make_unique<rafthttp::file_db_source>(db_file);
}

// Sends it and waits for the outcome: finish, failure, timeout or interrupted.
asio::awaitable<std::string> send_and_wait(peer_env& env, rafthttp::message msnap, const std::filesystem::path& db_file) {
  const auto& cfg = env.cfg;
  // Shared with the completion callback, which may run after we gave up.
  auto outcome = std::make_shared<std::optional<std::error_code>>();
  run_control* control = &env.control;
  rafthttp::snapshot_message transfer(std::move(msnap),
                                      db_source_for(cfg, db_file), cfg.db_size, [outcome, control](std::error_code ec) {
                                        *outcome = ec;
                                        control->wake();
                                      });
  env.transport.send_snapshot(std::move(transfer));

  const auto deadline = clock::now() + cfg.snap_timeout;
  for (;;) {
    if (*outcome) co_return outcome->value() ? "failure" : "finish";
    if (env.control.interrupted()) co_return "interrupted";
    if (clock::now() >= deadline) co_return "timeout";
    co_await env.control.wait_until(deadline);
  }
}

}  // namespace

asio::awaitable<std::string> run_snapshot(peer_env& env) {
  const auto& cfg = env.cfg;
  auto msnap = snapshot_message(cfg, cfg.to);
  const auto message_bytes = rafthttp::raftpb::encoded_size(msnap);
  const auto total_bytes = message_bytes + cfg.db_size;  // etcd's TotalSize
  // The same as our release puts them on the wire (and counts them).
  const auto wire_message_bytes = rafthttp::raftpb::encoded_size(msnap, rafthttp::profile_of(cfg.version).wire_style);
  const auto wire_total_bytes = wire_message_bytes + cfg.db_size;
  // Before the transfer, off its clock (as the Go peer does).
  const auto db = describe_stream(cfg.content.seed, db_stream_key, cfg.db_size, cfg.digest);

  // --db-file-dir: the same body written into a file first, off the clock (a
  // file that cannot be written fails the transfer: its source cannot read it).
  std::filesystem::path db_file;
  if (!cfg.db_file_dir.empty()) {
    db_file = std::filesystem::path(cfg.db_file_dir) /
              ("rafthttp-peer-db-" + std::to_string(::getpid()) + "-" + std::to_string(cfg.snap_index));
    if (!write_stream_file(db_file, cfg.content.seed, db_stream_key, cfg.db_size, cfg.digest))
      std::cerr << "rafthttp-peer: cannot write the DB file " << db_file << "\n";
  }

  const readiness ready = co_await wait_ready(env);
  const auto start = clock::now();
  std::string status = "interrupted";
  if (!env.control.interrupted()) status = co_await send_and_wait(env, std::move(msnap), db_file);
  const double elapsed = seconds_between(start, clock::now());
  std::error_code ignored;
  if (!db_file.empty()) std::filesystem::remove(db_file, ignored);
  const auto stop_reason = stop_reason_or(env, "done");
  co_await linger(env, stop_reason);
  env.raft.freeze();

  json_writer w;
  w.begin_object();
  write_identity(w, env.identity);
  w.field("to", rafthttp::format_id(cfg.to))
      .field("to_known", to_is_known(cfg))
      .field("snap_index", cfg.snap_index)
      .field("snap_term", cfg.snap_term)
      .field("db_size", cfg.db_size)
      .field("db_sha256", db.sha256)
      .field("db_check64", db.check64)
      .field("snap_data_size", cfg.snap_data_size)
      .field("message_bytes", message_bytes)
      .field("total_bytes", total_bytes)
      .field("wire_message_bytes", wire_message_bytes)
      .field("wire_total_bytes", wire_total_bytes)
      .field("status", status)
      .field("streams_ready", ready.streams_ready)
      .field("peers_active", ready.peers_active)
      .field("wait_s", ready.waited_s)
      .field("elapsed_s", elapsed)
      .field("mb_per_s", per_second(megabytes(total_bytes), elapsed))
      .field("report_unreachable_total", env.raft.unreachable_total());
  w.key("received");
  env.raft.write_summary(w, env.identity, stop_reason_or(env, stop_reason), false);
  w.field("peak_rss_kb", peak_rss_kb());
  w.end_object();
  co_return w.text();
}

}  // namespace peer_cli
