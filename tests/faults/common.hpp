// Shared by the fault, hostile-client and malicious-peer tests: short
// timeouts, numbered messages whose arrival order can be checked, a log
// recorder, and two transports that reach each other through fault proxies.
#pragma once

#include <rafthttp/transport.hpp>

#include "faults/heap_watch.hpp"
#include "support/coro.hpp"
#include "support/fake_peer.hpp"  // loopback(), url_of()
#include "support/fault_proxy.hpp"
#include "support/recorded_log.hpp"
#include "support/recording_raft.hpp"

#include <asio/post.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace rafthttp::test::faults {

using namespace std::chrono_literals;
using test_transport = transport<recording_raft, memory_snapshotter>;
using test::loopback;
using test::url_of;

// Timeouts short enough for a whole scenario to take a second or two, with
// link heartbeats well inside the read timeout.
inline transport_options fast_options(member_id id) {
  transport_options o;
  o.id = id;
  o.cluster_id = 0x7b;
  o.dial_retry_interval = 20ms;
  o.link_heartbeat_interval = 50ms;
  o.client.dial_timeout = 500ms;
  o.client.read_timeout = 400ms;
  o.client.write_timeout = 400ms;
  o.server.read_timeout = 400ms;
  o.server.write_timeout = 400ms;
  o.snapshot_response_read_timeout = 1s;
  return o;
}

// The path of a stream dial made by `dialler`: what proxy rules match.
inline std::string stream_path(stream_type type, member_id dialler) {
  return "/raft/stream/" + std::string(path_segment(type)) + "/" + format_id(dialler);
}

// The message type a peer sends over each stream: MsgApp takes msgappv2,
// MsgHeartbeat the message stream.
inline message_type carried_by(stream_type type) {
  return type == stream_type::msgapp ? message_type::MsgApp : message_type::MsgHeartbeat;
}

// Message number `seq` of a sequence: consecutive MsgApps continue each
// other (msgappv2 then sends AppEntries records); heartbeats carry seq as
// their commit. `padding` bytes of entry data or context make it large.
inline message numbered(message_type type, member_id from, member_id to, std::uint64_t seq,
                        std::size_t padding = 0) {
  message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = 1;
  m.commit = seq;
  if (type == message_type::MsgApp) {
    m.log_term = 1;
    m.index = seq - 1;
    raftpb::entry e;
    e.term = 1;
    e.index = seq;
    e.data = std::string(std::max<std::size_t>(padding, 1), 'e');
    m.entries.push_back(std::move(e));
  } else if (padding > 0) {
    m.context = std::string(padding, 'c');
  }
  return m;
}

[[nodiscard]] inline std::uint64_t seq_of(const message& m) { return m.commit; }

// The numbered messages sent, by type and number, to check what arrived.
using sent_log = std::map<std::pair<message_type, std::uint64_t>, message>;

// What `raft` received from `from` of `type`, as sequence numbers in arrival
// order. Each must be exactly the message sent with that number (nothing
// malformed reached raft); the caller checks the order.
inline std::vector<std::uint64_t> received_seqs(const recording_raft& raft, const sent_log& sent, message_type type,
                                                member_id from) {
  std::vector<std::uint64_t> out;
  for (const auto& m : raft.processed) {
    if (m.type != type || m.from != from) continue;
    const auto it = sent.find({type, seq_of(m)});
    const bool as_sent = it != sent.end() && it->second == m;
    CHECK_MESSAGE(as_sent, "a message reached raft that was never sent: seq " << seq_of(m));
    out.push_back(seq_of(m));
  }
  return out;
}

// No message twice, none out of order.
[[nodiscard]] inline bool strictly_increasing(const std::vector<std::uint64_t>& seqs) {
  return std::ranges::adjacent_find(seqs, std::greater_equal<>()) == seqs.end();
}

[[nodiscard]] inline bool contains(const std::vector<std::uint64_t>& seqs, std::uint64_t seq) {
  return std::ranges::find(seqs, seq) != seqs.end();
}

// Lets every handler ready now run once (not a wait for time).
inline asio::awaitable<void> yield(asio::io_context& ctx) {
  co_await asio::post(ctx.get_executor(), asio::use_awaitable);
}

using test::log_record;
using test::recorded_log;

[[nodiscard]] inline std::string error_text(std::error_code ec) { return ec.message(); }

// Members 1 and 2, each dialling the other through a proxy:
//   1 → p12 → 2 (1's readers, pipeline, probes, snapshots to 2; 2's stream writes to 1 come back through it)
//   2 → p21 → 1
struct proxied_pair {
  proxied_pair(asio::io_context& ctx, transport_options o1, transport_options o2)
      : t1(ctx.get_executor(), raft1, snaps1, with_log(std::move(o1), log1)),
        t2(ctx.get_executor(), raft2, snaps2, with_log(std::move(o2), log2)),
        p12(ctx),
        p21(ctx) {
    REQUIRE_FALSE(t1.listen(loopback()));
    REQUIRE_FALSE(t2.listen(loopback()));
    p12.set_upstream(t2.local_endpoint());
    p21.set_upstream(t1.local_endpoint());
    t1.add_peer(2, p12.url());
    t2.add_peer(1, p21.url());
  }
  explicit proxied_pair(asio::io_context& ctx) : proxied_pair(ctx, fast_options(1), fast_options(2)) {}

  static transport_options with_log(transport_options o, recorded_log& log) {
    o.log = log.sink();
    return o;
  }

  // 2's stream of `type` to 1 works end to end: 2's writer has the
  // connection 1's reader dialled through p12 and 1's reader reads it.
  [[nodiscard]] bool two_to_one(stream_type type) const {
    const auto writer = t2.find_peer(1);
    const auto reader = t1.find_peer(2);
    return writer && reader && writer->streams_attached(type) && reader->reader_attached(type);
  }
  [[nodiscard]] bool one_to_two(stream_type type) const {
    const auto writer = t1.find_peer(2);
    const auto reader = t2.find_peer(1);
    return writer && reader && writer->streams_attached(type) && reader->reader_attached(type);
  }
  [[nodiscard]] bool all_attached() const {
    for (auto type : {stream_type::message, stream_type::msgapp})
      if (!two_to_one(type) || !one_to_two(type)) return false;
    return true;
  }

  // Sends seq [first, first + n) of the type `type` carries from 2 to 1;
  // the stream must be attached, so that each goes over it.
  void send_two_to_one(stream_type type, std::uint64_t first, std::uint64_t n, std::size_t padding = 0) {
    REQUIRE(t2.find_peer(1)->streams_attached(type));
    for (std::uint64_t seq = first; seq < first + n; ++seq) {
      auto m = numbered(carried_by(type), 2, 1, seq, padding);
      const auto ec = t2.send(m);
      REQUIRE_FALSE(ec);
      sent.emplace(std::pair(m.type, seq), std::move(m));
    }
  }

  // Bytes queued for each peer are within the per-peer cap.
  [[nodiscard]] bool queued_within_caps() const {
    return t1.find_peer(2)->queued_bytes() <= t1.options().max_queued_bytes_per_peer &&
           t2.find_peer(1)->queued_bytes() <= t2.options().max_queued_bytes_per_peer;
  }

  [[nodiscard]] std::vector<std::uint64_t> received_by_one(stream_type type) const {
    return received_seqs(raft1, sent, carried_by(type), 2);
  }

  asio::awaitable<void> stop() {
    co_await t1.async_stop(asio::use_awaitable);
    co_await t2.async_stop(asio::use_awaitable);
    p12.stop();
    p21.stop();
  }

  recorded_log log1, log2;
  sent_log sent;  // by 2 to 1
  recording_raft raft1, raft2;
  memory_snapshotter snaps1, snaps2;
  test_transport t1, t2;
  fault_proxy p12, p21;
};

}  // namespace rafthttp::test::faults
