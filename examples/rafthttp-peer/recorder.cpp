#include "recorder.hpp"

#include "stats.hpp"

#include <rafthttp/raftpb/codec.hpp>

#include <charconv>
#include <cstdio>

namespace peer_cli {

using rafthttp::message;
using rafthttp::message_type;

void write_identity(json_writer& w, const peer_identity& identity) {
  w.field("mode", identity.mode)
      .field("id", rafthttp::format_id(identity.id))
      .field("cluster_id", rafthttp::format_id(identity.cluster_id))
      .field("listen", identity.listen)
      .field("etcd_version", identity.etcd_version)
      .field("digest", to_string(identity.digest));
}

recorder::recorder(rafthttp::member_id self, const std::vector<rafthttp::member_id>& removed, saved_dbs& dbs,
                   rafthttp::raftpb::wire_style style, digest_mode digest)
    : self_(self), removed_(removed.begin(), removed.end()), saved_dbs_(dbs), style_(style), digest_(digest) {}

recorder::~recorder() {
  if (log_) std::fclose(log_);
}

bool recorder::open_log(const std::string& path) {
  log_ = std::fopen(path.c_str(), "w");
  if (log_) std::setvbuf(log_, nullptr, _IOFBF, 1 << 16);
  return log_ != nullptr;
}

// ------------------------------------------------------------ Raft policy ---

std::error_code recorder::process(message& m) {
  const auto arrival = clock::now();
  // The digests are over etcd 3.4's encoding: re-encode what was decoded.
  // SHA-256 of it for --digest full and for the log line's h= (check64, for
  // --digest cheap, is the digest's own).
  rafthttp::raftpb::encode_into(m, encoding_);
  std::optional<sha256_sum> sum;
  if (digest_ == digest_mode::full || log_) sum = sha256::of(encoding_);
  const bool removed = is_id_removed(m.from);
  // A MsgSnap that came with a DB: the snapshotter has just saved it.
  std::optional<saved_db> db;
  if (m.type == message_type::MsgSnap) db = saved_dbs_.take(m.from, m.snapshot.metadata.index);

  const std::error_code reject_removed = removed ? rafthttp::errc::member_removed : std::error_code{};
  if (frozen_) return reject_removed;
  if (log_) write_log_line(m, *sum, removed);
  last_any_ = arrival;
  if (removed) {
    ++rejected_[m.from];
    return reject_removed;  // the transport answers 403, as etcd's server does
  }
  record(m, sum ? &*sum : nullptr, arrival);
  if (db) snapshots_.push_back(std::move(*db));
  if (hook_) hook_(m, arrival);
  return {};
}

void recorder::report_unreachable(rafthttp::member_id id) {
  ++unreachable_total_;
  ++unreachable_[id];
}

void recorder::report_snapshot(rafthttp::member_id id, rafthttp::snapshot_status status) {
  report_snapshots_.push_back({id, status});
}

// etcd's ErrorC: a peer answered 403/410, i.e. this member was removed.
// Stream readers redial at 10/s and may repeat it: warn once per message.
void recorder::on_critical_error(std::error_code ec) {
  const auto count = ++critical_errors_[ec.message()];
  if (count == 1) std::fprintf(stderr, "rafthttp-peer: warning: critical transport error: %s\n", ec.message().c_str());
}

void recorder::freeze() {
  frozen_ = true;
  if (log_) {
    std::fclose(log_);
    log_ = nullptr;
  }
}

// -------------------------------------------------------------- recording ---

void recorder::record(const message& m, const sha256_sum* sum, clock::time_point arrival) {
  ++messages_;
  ++by_type_[m.type];
  entries_ += m.entries.size();
  for (const auto& e : m.entries) entry_bytes_ += e.data.size();
  message_bytes_ += encoding_.size();
  wire_message_bytes_ += rafthttp::raftpb::encoded_size(m, style_);
  if (first_ == clock::time_point{}) first_ = arrival;
  last_ = arrival;
  senders_.try_emplace(m.from, digest_).first->second.add(encoding_, sum);
}

namespace {

void append_number(std::string& out, std::uint64_t v, int base = 10) {
  char text[24];
  const auto result = std::to_chars(text, text + sizeof text, v, base);
  out.append(text, result.ptr);
}

void append_field(std::string& out, std::string_view name, std::uint64_t v) {
  out += name;
  append_number(out, v);
}

}  // namespace

// <Type> from=<hex> to=<hex> term=N index=N logterm=N commit=N nent=N
// esizes=a,b|- reject=B rejecthint=N [ctx=<hex>] [snap_index=N snap_term=N
// snap_data=N] h=<hex of 8 bytes> [REJECTED-REMOVED]
void recorder::write_log_line(const message& m, const sha256_sum& sum, bool removed) {
  std::string& line = log_line_;
  line = rafthttp::raftpb::to_string(m.type);
  line += " from=";
  append_number(line, m.from, 16);
  line += " to=";
  append_number(line, m.to, 16);
  append_field(line, " term=", m.term);
  append_field(line, " index=", m.index);
  append_field(line, " logterm=", m.log_term);
  append_field(line, " commit=", m.commit);
  append_field(line, " nent=", m.entries.size());
  line += " esizes=";
  if (m.entries.empty()) line += '-';
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    if (i > 0) line += ',';
    append_number(line, m.entries[i].data.size());
  }
  line += m.reject ? " reject=true" : " reject=false";
  append_field(line, " rejecthint=", m.reject_hint);
  if (!m.context.empty()) {
    const auto context = m.context.view();
    line += " ctx=" + to_hex(std::span(reinterpret_cast<const std::uint8_t*>(context.data()), context.size()));
  }
  if (m.type == message_type::MsgSnap) {
    append_field(line, " snap_index=", m.snapshot.metadata.index);
    append_field(line, " snap_term=", m.snapshot.metadata.term);
    append_field(line, " snap_data=", m.snapshot.data.size());
  }
  line += " h=" + to_hex(std::span(sum).first(8));
  if (removed) line += " REJECTED-REMOVED";
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), log_);
}

// ---------------------------------------------------------------- summary ---

namespace {

// Go prints maps with their keys sorted as strings.
void write_hex_keyed(json_writer& w, const std::map<rafthttp::member_id, std::uint64_t>& counts) {
  std::map<std::string, std::uint64_t> sorted;
  for (const auto& [id, n] : counts) sorted[rafthttp::format_id(id)] = n;
  w.begin_object();
  for (const auto& [id, n] : sorted) w.field(id, n);
  w.end_object();
}

}  // namespace

void recorder::write_senders(json_writer& w) const {
  std::map<std::string, const message_digest*> sorted;
  for (const auto& [id, digest] : senders_) sorted[rafthttp::format_id(id)] = &digest;
  w.begin_object();
  for (const auto& [id, digest] : sorted) {
    w.key(id).begin_object();
    w.field("messages", digest->count());
    digest->write_fields(w);
    w.end_object();
  }
  w.end_object();
}

void recorder::write_snapshots(json_writer& w) const {
  w.begin_array();
  for (const auto& db : snapshots_) {
    const db_description& description = db.description.get();  // waits for its thread
    w.begin_object();
    w.field("from", rafthttp::format_id(db.from))
        .field("index", db.index)
        .field("term", db.term)
        .field("db_size", description.size)
        .field("db_sha256", description.sha256)
        .field("db_check64", description.check64)
        .field("db_path", db.path);
    w.end_object();
  }
  w.end_array();
}

void recorder::write_summary(json_writer& w, const peer_identity& identity, std::string_view stop_reason,
                             bool with_echo_replies) const {
  const double span = messages_ > 0 ? seconds_between(first_, last_) : 0;
  w.begin_object();
  write_identity(w, identity);
  w.field("messages", messages_);
  std::map<std::string, std::uint64_t> by_type;
  for (const auto& [type, n] : by_type_) by_type[rafthttp::raftpb::to_string(type)] = n;
  w.key("by_type").begin_object();
  for (const auto& [type, n] : by_type) w.field(type, n);
  w.end_object();
  w.field("entries", entries_)
      .field("entry_bytes", entry_bytes_)
      .field("message_bytes", message_bytes_)
      .field("wire_message_bytes", wire_message_bytes_)
      .field("span_s", span)
      .field("msgs_per_s", per_second(static_cast<double>(messages_), span))
      .field("mb_per_s", per_second(megabytes(message_bytes_), span));
  w.key("senders");
  write_senders(w);
  w.key("snapshots");
  write_snapshots(w);
  w.key("rejected_from_removed");
  write_hex_keyed(w, rejected_);
  w.key("report_unreachable");
  write_hex_keyed(w, unreachable_);
  w.key("report_snapshot").begin_array();
  for (const auto& r : report_snapshots_) {
    w.begin_object();
    w.field("id", rafthttp::format_id(r.id)).field("status", rafthttp::to_string(r.status));
    w.end_object();
  }
  w.end_array();
  // process() is synchronous, so the transport has no receive queue that
  // could overflow (etcd's recvc drops): always 0 here.
  w.field("recv_drops", 0).field("stop_reason", stop_reason);
  if (with_echo_replies) w.field("echo_replies", echo_replies_);
  w.key("critical_errors").begin_object();
  for (const auto& [error, n] : critical_errors_) w.field(error, n);
  w.end_object();
  w.field("peak_rss_kb", peak_rss_kb());
  w.end_object();
}

}  // namespace peer_cli
