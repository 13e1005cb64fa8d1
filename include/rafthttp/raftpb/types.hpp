// C++ value types for etcd 3.4's raftpb messages (raft.proto beside this file).
// Field names follow etcd's Go names in snake case; enumerators keep etcd's names
// (MsgApp, EntryNormal, ...) so that code reads like etcd's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rafthttp::raftpb {

enum class message_type : std::int32_t {
  MsgHup = 0,
  MsgBeat = 1,
  MsgProp = 2,
  MsgApp = 3,
  MsgAppResp = 4,
  MsgVote = 5,
  MsgVoteResp = 6,
  MsgSnap = 7,
  MsgHeartbeat = 8,
  MsgHeartbeatResp = 9,
  MsgUnreachable = 10,
  MsgSnapStatus = 11,
  MsgCheckQuorum = 12,
  MsgTransferLeader = 13,
  MsgTimeoutNow = 14,
  MsgReadIndex = 15,
  MsgReadIndexResp = 16,
  MsgPreVote = 17,
  MsgPreVoteResp = 18,
};

enum class entry_type : std::int32_t { EntryNormal = 0, EntryConfChange = 1, EntryConfChangeV2 = 2 };

enum class conf_change_type : std::int32_t {
  ConfChangeAddNode = 0,
  ConfChangeRemoveNode = 1,
  ConfChangeUpdateNode = 2,
  ConfChangeAddLearnerNode = 3,
};

enum class conf_change_transition : std::int32_t {
  ConfChangeTransitionAuto = 0,
  ConfChangeTransitionJointImplicit = 1,
  ConfChangeTransitionJointExplicit = 2,
};

// etcd's name of a message type ("MsgApp"); the number for values etcd does not
// name, as Go's String() does.
[[nodiscard]] inline std::string to_string(message_type type) {
  static constexpr std::string_view names[] = {
      "MsgHup",         "MsgBeat",          "MsgProp",         "MsgApp",       "MsgAppResp",
      "MsgVote",        "MsgVoteResp",      "MsgSnap",         "MsgHeartbeat", "MsgHeartbeatResp",
      "MsgUnreachable", "MsgSnapStatus",    "MsgCheckQuorum",  "MsgTransferLeader",
      "MsgTimeoutNow",  "MsgReadIndex",     "MsgReadIndexResp", "MsgPreVote",  "MsgPreVoteResp"};
  const auto index = static_cast<std::int32_t>(type);
  if (index >= 0 && index < static_cast<std::int32_t>(std::size(names))) return std::string(names[index]);
  return std::to_string(index);
}

[[nodiscard]] inline std::string to_string(entry_type type) {
  switch (type) {
    case entry_type::EntryNormal: return "EntryNormal";
    case entry_type::EntryConfChange: return "EntryConfChange";
    case entry_type::EntryConfChangeV2: return "EntryConfChangeV2";
  }
  return std::to_string(static_cast<std::int32_t>(type));
}

// A proto2 `bytes` field. Absent (nil in Go) differs from present-but-empty, and
// both round-trip byte-identically (doc/protocol.md 5.1). Reusing an object
// keeps its capacity, which spares allocations on the receive path.
class bytes {
 public:
  bytes() = default;
  bytes(std::string_view value) : value_(value), present_(true) {}  // NOLINT: implicit, like a string
  bytes(const char* value) : bytes(std::string_view(value)) {}      // NOLINT
  bytes(std::string value) : value_(std::move(value)), present_(true) {}  // NOLINT

  bytes& operator=(std::string_view value) {
    value_.assign(value);
    present_ = true;
    return *this;
  }

  bytes& operator=(const char* value) { return *this = std::string_view(value); }
  bytes& operator=(std::string value) {
    value_ = std::move(value);
    present_ = true;
    return *this;
  }

  [[nodiscard]] bool has_value() const { return present_; }
  explicit operator bool() const { return present_; }
  [[nodiscard]] std::string_view view() const { return value_; }
  [[nodiscard]] const std::string& value() const { return value_; }  // empty when absent
  [[nodiscard]] std::size_t size() const { return value_.size(); }
  [[nodiscard]] bool empty() const { return value_.empty(); }

  // Makes the field present and returns its (cleared) storage to fill in place.
  std::string& emplace() {
    value_.clear();
    present_ = true;
    return value_;
  }
  void reset() {
    value_.clear();
    present_ = false;
  }

  friend bool operator==(const bytes& a, const bytes& b) {
    return a.present_ == b.present_ && a.value_ == b.value_;
  }

 private:
  std::string value_;
  bool present_ = false;
};

struct entry {
  entry_type type = entry_type::EntryNormal;
  std::uint64_t term = 0;
  std::uint64_t index = 0;
  bytes data;
  friend bool operator==(const entry&, const entry&) = default;
};

struct conf_state {
  std::vector<std::uint64_t> voters;
  std::vector<std::uint64_t> learners;
  std::vector<std::uint64_t> voters_outgoing;
  std::vector<std::uint64_t> learners_next;
  bool auto_leave = false;
  friend bool operator==(const conf_state&, const conf_state&) = default;
};

struct snapshot_metadata {
  raftpb::conf_state conf_state;
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  friend bool operator==(const snapshot_metadata&, const snapshot_metadata&) = default;
};

struct snapshot {
  bytes data;
  snapshot_metadata metadata;
  friend bool operator==(const snapshot&, const snapshot&) = default;
};

// Not an aggregate on purpose: GCC 12 destroys an aggregate temporary twice
// when it is created in a full-expression that contains co_await, which
// `co_await t.async_send(message{...})` would be. Build messages field by field.
struct message {
  message() = default;

  message_type type = message_type::MsgHup;
  std::uint64_t to = 0;
  std::uint64_t from = 0;
  std::uint64_t term = 0;
  std::uint64_t log_term = 0;
  std::uint64_t index = 0;
  std::vector<entry> entries;
  std::uint64_t commit = 0;
  raftpb::snapshot snapshot;
  bool reject = false;
  std::uint64_t reject_hint = 0;
  bytes context;
  friend bool operator==(const message&, const message&) = default;
};

struct hard_state {
  std::uint64_t term = 0;
  std::uint64_t vote = 0;
  std::uint64_t commit = 0;
  friend bool operator==(const hard_state&, const hard_state&) = default;
};

struct conf_change {
  std::uint64_t id = 0;
  conf_change_type type = conf_change_type::ConfChangeAddNode;
  std::uint64_t node_id = 0;
  bytes context;
  friend bool operator==(const conf_change&, const conf_change&) = default;
};

struct conf_change_single {
  conf_change_type type = conf_change_type::ConfChangeAddNode;
  std::uint64_t node_id = 0;
  friend bool operator==(const conf_change_single&, const conf_change_single&) = default;
};

struct conf_change_v2 {
  conf_change_transition transition = conf_change_transition::ConfChangeTransitionAuto;
  std::vector<conf_change_single> changes;
  bytes context;
  friend bool operator==(const conf_change_v2&, const conf_change_v2&) = default;
};

// The types every supported release knows, MsgHup to MsgPreVoteResp. raft
// v3.6 added MsgStorageAppend to MsgForgetLeader (19-23), which never leave
// the member that makes them; anything above is unknown to every release.
[[nodiscard]] constexpr bool is_known_wire_type(message_type type) {
  const auto n = static_cast<std::int32_t>(type);
  return n >= 0 && n <= static_cast<std::int32_t>(message_type::MsgPreVoteResp);
}

// A link heartbeat keeps a stream alive; it is never delivered to raft
// (doc/protocol.md 6.3). Raft never sends a message without From and To.
[[nodiscard]] inline bool is_link_heartbeat(const message& m) {
  return m.type == message_type::MsgHeartbeat && m.from == 0 && m.to == 0;
}

[[nodiscard]] inline message link_heartbeat() {
  message m;
  m.type = message_type::MsgHeartbeat;
  return m;
}

}  // namespace rafthttp::raftpb

namespace rafthttp {
using raftpb::message;
using raftpb::message_type;
}  // namespace rafthttp
