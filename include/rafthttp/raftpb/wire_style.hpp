// Which fields of a raftpb value each etcd release writes on the wire. Field
// numbers and types never changed; what changed is which fields a Go member
// writes (doc/etcd-versions.md, "raftpb on the wire"):
//
//   etcd_3_4  etcd 3.4 and 3.5 (gogoproto): every scalar field, even when zero,
//             and Message.snapshot always (an empty one in all but MsgSnap).
//   etcd_3_6  raft v3.6.0 (gogoproto): the same, but Message.snapshot only in
//             MsgSnap, and field 13 `vote` always, after field 12.
//   etcd_3_7  raft v3.7.0 (google.golang.org/protobuf, proto2 presence): only
//             the fields raft set when it built the message. raft sets some
//             fields even when they are zero (a MsgApp's index, log term and
//             commit; a MsgHeartbeat's commit...): fields_written() says which,
//             per message type, as raft v3.7.0's raft.go builds each type.
//
// Every style decodes every other: the decoder is plain proto2 (absent fields
// are zero, unknown ones skipped). The sizes and the encoder both ask this
// header, so they cannot disagree about a field.
#pragma once

#include <rafthttp/raftpb/types.hpp>

#include <cstdint>
#include <type_traits>

namespace rafthttp::raftpb {

enum class wire_style : std::uint8_t { etcd_3_4, etcd_3_6, etcd_3_7 };

// The optional fields of a Message that a style writes (type always is).
struct message_fields {
  bool to = true;
  bool from = true;
  bool term = true;
  bool log_term = true;
  bool index = true;
  bool commit = true;
  bool snapshot = true;
  bool reject = true;
  bool reject_hint = true;
  bool vote = false;  // field 13, which our messages do not carry: written as 0
};

[[nodiscard]] inline bool is_empty(const snapshot& s) {
  const auto& cs = s.metadata.conf_state;
  return !s.data.has_value() && s.metadata.index == 0 && s.metadata.term == 0 && cs.voters.empty() &&
         cs.learners.empty() && cs.voters_outgoing.empty() && cs.learners_next.empty() && !cs.auto_leave;
}

namespace detail {

// raft v3.7.0 sets these fields of a message it sends even when they are zero
// (raft.go: sendAppend, sendHeartbeat, campaign, handleAppendEntries,
// responseToReadIndexReq; and the msgappv2 decoder's rebuilt MsgApp). Where
// raft's choice depends on more than the message's values, the rule takes the
// common case; doc/etcd-versions.md lists the rare messages whose bytes then
// differ from Go's (both decode to the same message everywhere).
[[nodiscard]] constexpr message_fields always_set_by_raft_3_7(message_type type, bool reject) {
  message_fields f{false, false, false, false, false, false, false, false, false, false};
  switch (type) {
    case message_type::MsgApp: f.index = f.log_term = f.commit = true; break;
    case message_type::MsgVote:
    case message_type::MsgPreVote: f.index = f.log_term = true; break;
    // An accepting reply sets its index, a reply to a stale leader does not
    // (raft.go:1156): only a rejection's index is written when it is zero.
    case message_type::MsgAppResp: f.index = f.log_term = f.reject_hint = reject; break;
    case message_type::MsgHeartbeat: f.commit = true; break;
    case message_type::MsgReadIndexResp: f.index = true; break;
    case message_type::MsgSnap: f.snapshot = true; break;
    default: break;
  }
  return f;
}

}  // namespace detail

template <wire_style Style>
[[nodiscard]] constexpr message_fields fields_written(const message& m) {
  if constexpr (Style == wire_style::etcd_3_4) {
    return message_fields{};
  } else if constexpr (Style == wire_style::etcd_3_6) {
    message_fields f;
    f.snapshot = m.type == message_type::MsgSnap || !is_empty(m.snapshot);
    f.vote = true;
    return f;
  } else {
    // rafthttp's link heartbeat is the one message raft did not build: it has
    // only its type (2 bytes, 08 08).
    auto f = is_link_heartbeat(m) ? detail::always_set_by_raft_3_7(message_type::MsgHup, false)
                                  : detail::always_set_by_raft_3_7(m.type, m.reject);
    f.to |= m.to != 0;
    f.from |= m.from != 0;
    f.term |= m.term != 0;
    f.log_term |= m.log_term != 0;
    f.index |= m.index != 0;
    f.commit |= m.commit != 0;
    f.snapshot |= !is_empty(m.snapshot);
    f.reject |= m.reject;
    f.reject_hint |= m.reject_hint != 0;
    return f;
  }
}

// An Entry's type, term and index: gogoproto writes them always, raft v3.7.0
// sets them only where they mean something (a proposal has no term or index
// yet, a normal entry no type).
struct entry_fields {
  bool type = true;
  bool term = true;
  bool index = true;
};

template <wire_style Style>
[[nodiscard]] constexpr entry_fields fields_written(const entry& e) {
  if constexpr (Style == wire_style::etcd_3_7) {
    return {e.type != entry_type::EntryNormal, e.term != 0, e.index != 0};
  } else {
    return {};
  }
}

// Calls f(std::integral_constant<wire_style, s>{}): one branch per call, so
// that the per-field choices above are made at compile time.
template <class F>
decltype(auto) with_style(wire_style s, F&& f) {
  switch (s) {
    case wire_style::etcd_3_6: return f(std::integral_constant<wire_style, wire_style::etcd_3_6>{});
    case wire_style::etcd_3_7: return f(std::integral_constant<wire_style, wire_style::etcd_3_7>{});
    case wire_style::etcd_3_4: break;
  }
  return f(std::integral_constant<wire_style, wire_style::etcd_3_4>{});
}

}  // namespace rafthttp::raftpb
