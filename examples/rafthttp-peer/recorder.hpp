// The Raft policy of the peer (rafthttp/policy.hpp): instead of a raft state
// machine, a recorder. Every message that reaches process() is counted,
// digested per sender, optionally logged (--log), and handed to a hook (echo
// replies, ack matching). Messages from --removed members are rejected with
// errc::member_removed, which the transport answers with 403 as etcd does.
//
// process() is synchronous: the transport calls it inline as a stream or a
// POST delivers, on the io thread, so it may call transport.send() directly.
// (An awaitable process() would be fed from per-peer queues instead.)
#pragma once

#include "digest.hpp"
#include "json_writer.hpp"
#include "snapshots.hpp"

#include <rafthttp/policy.hpp>
#include <rafthttp/raftpb/wire_style.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <vector>

namespace peer_cli {

// The first keys of every JSON object the peer prints.
struct peer_identity {
  std::string mode;
  rafthttp::member_id id = 0;
  rafthttp::member_id cluster_id = 0;
  std::string listen;
  std::string etcd_version;  // the release the wire profile presents
  digest_mode digest = digest_mode::full;  // --digest
};

void write_identity(json_writer& w, const peer_identity& identity);

class recorder {
 public:
  using clock = std::chrono::steady_clock;
  // Runs after a message was recorded, with its arrival time.
  using message_hook = std::function<void(const rafthttp::message&, clock::time_point)>;

  // `style`: our release's raftpb encoding, whose sizes etcd's received-bytes
  // metric counts (wire_message_bytes); `digest`: --digest.
  recorder(rafthttp::member_id self, const std::vector<rafthttp::member_id>& removed, saved_dbs& dbs,
           rafthttp::raftpb::wire_style style, digest_mode digest);
  ~recorder();
  recorder(const recorder&) = delete;

  // --log FILE; false if it cannot be created.
  [[nodiscard]] bool open_log(const std::string& path);

  // ------------------------------------------------------ the Raft policy ---
  std::error_code process(rafthttp::message& m);
  [[nodiscard]] bool is_id_removed(rafthttp::member_id id) const { return removed_.contains(id); }
  void report_unreachable(rafthttp::member_id id);
  void report_snapshot(rafthttp::member_id id, rafthttp::snapshot_status status);
  void on_critical_error(std::error_code ec);

  // ------------------------------------------------------- for the modes ---
  void set_hook(message_hook hook) { hook_ = std::move(hook); }
  [[nodiscard]] std::uint64_t accepted() const { return messages_; }
  // The arrival of the latest message that reached process(), rejected ones
  // included (the --idle clock); the epoch before the first.
  [[nodiscard]] clock::time_point last_arrival() const { return last_any_; }
  [[nodiscard]] std::uint64_t unreachable_total() const { return unreachable_total_; }
  void count_echo_reply() { ++echo_replies_; }

  // Stops recording (later messages are still answered, not counted) and
  // flushes the log, so that the JSON and the log agree.
  void freeze();

  // The receiver keys of doc/peer-cli.md 9.2. Waits for the descriptions of
  // received DBs still being computed.
  void write_summary(json_writer& w, const peer_identity& identity, std::string_view stop_reason,
                     bool with_echo_replies) const;

 private:
  struct report_snapshot_record {
    rafthttp::member_id id;
    rafthttp::snapshot_status status;
  };

  void record(const rafthttp::message& m, const sha256_sum* sum, clock::time_point arrival);
  void write_log_line(const rafthttp::message& m, const sha256_sum& sum, bool removed);
  void write_senders(json_writer& w) const;
  void write_snapshots(json_writer& w) const;

  rafthttp::member_id self_;
  std::set<rafthttp::member_id> removed_;
  saved_dbs& saved_dbs_;
  rafthttp::raftpb::wire_style style_;
  digest_mode digest_;
  message_hook hook_;
  std::FILE* log_ = nullptr;
  std::vector<std::uint8_t> encoding_;  // reused for every message
  std::string log_line_;                // reused for every log line
  bool frozen_ = false;

  std::uint64_t messages_ = 0;
  std::map<rafthttp::message_type, std::uint64_t> by_type_;
  std::uint64_t entries_ = 0;
  std::uint64_t entry_bytes_ = 0;
  std::uint64_t message_bytes_ = 0;
  std::uint64_t wire_message_bytes_ = 0;
  clock::time_point first_{};
  clock::time_point last_{};
  clock::time_point last_any_{};
  std::map<rafthttp::member_id, message_digest> senders_;
  std::vector<saved_db> snapshots_;
  std::map<rafthttp::member_id, std::uint64_t> rejected_;
  std::map<rafthttp::member_id, std::uint64_t> unreachable_;
  std::uint64_t unreachable_total_ = 0;
  std::vector<report_snapshot_record> report_snapshots_;
  std::map<std::string, std::uint64_t> critical_errors_;  // message -> how often
  std::uint64_t echo_replies_ = 0;
};

}  // namespace peer_cli
