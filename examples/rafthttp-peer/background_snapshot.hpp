// send --background-snapshot-to (doc/peer-cli.md 5.7): one snapshot to another
// peer while the send loop runs, to measure what a large transfer does to the
// round trips of the messages sent beside it (heartbeats while a follower
// catches up).
//
// The DB body is the generated one of --db-size bytes (doc/peer-cli.md 6.2),
// written into a file of --snap-dir and digested before anything is measured,
// then streamed from that file by the library's file_db_source, which reads on
// a thread of its own: nothing of the DB is produced on the event loop that
// the round trips share with the transfer (the Go peer streams the same file
// from the goroutine of etcd's snapshot sender). The send loop starts when the
// transport took the first DB bytes from the file, and its round trips count
// as measured only while the transfer is in flight (until its outcome).
#pragma once

#include "background_report.hpp"
#include "peer_env.hpp"
#include "snapshots.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

namespace peer_cli {

// Where the transfer stands; shared with the transport's completion callback
// and the DB source, which may outlive the mode.
struct background_transfer_state {
  using clock = std::chrono::steady_clock;
  clock::time_point started{};
  std::optional<clock::time_point> first_byte;
  std::optional<std::error_code> outcome;
  clock::time_point ended{};
  std::uint64_t bytes_read = 0;
};

class background_snapshot {
 public:
  using clock = std::chrono::steady_clock;

  explicit background_snapshot(peer_env& env);
  ~background_snapshot();  // removes the DB file
  background_snapshot(const background_snapshot&) = delete;

  // Writes and digests the DB file (off every clock); an error text or "".
  // After an error the transfer counts as ended, a failure, and start()
  // sends nothing.
  [[nodiscard]] std::string prepare();
  // send_snapshot; --snap-timeout counts from here.
  void start();
  // Until the transport took the first DB bytes, or the outcome, the
  // deadline or a signal came first.
  asio::awaitable<void> wait_first_byte();
  // Until the outcome, the deadline or a signal; sets the status.
  asio::awaitable<void> wait_end();

  [[nodiscard]] bool ended() const { return state_->outcome.has_value(); }
  [[nodiscard]] std::optional<clock::time_point> first_byte() const { return state_->first_byte; }
  [[nodiscard]] std::optional<clock::time_point> ended_at() const {
    if (!ended()) return std::nullopt;
    return state_->ended;
  }

  // Everything but measured_s and overlap, which the send mode fills in.
  [[nodiscard]] background_snapshot_report report() const;

 private:
  peer_env& env_;
  std::filesystem::path file_;
  db_description db_;
  std::shared_ptr<background_transfer_state> state_ = std::make_shared<background_transfer_state>();
  std::string status_ = "interrupted";
  bool started_ = false;
  clock::time_point deadline_{};
};

}  // namespace peer_cli
