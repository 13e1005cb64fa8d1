// What a received message must be before raft sees it, whichever way it came
// (stream, POST /raft, POST /raft/snapshot).
#pragma once

#include <rafthttp/id.hpp>
#include <rafthttp/raftpb/types.hpp>

#include <string_view>

namespace rafthttp::detail {

enum class delivery_refusal { none, unknown_type, wrong_recipient };

// An unknown type (a newer release's, or a local-only one) is ignored, as
// raft ignores what it does not handle, instead of ending the stream that
// brought it. A message to another member is refused as etcd's server does
// since 3.4.32, 3.5.14 and 3.6.0 ("cannot process message to mismatch member").
[[nodiscard]] inline delivery_refusal check_delivery(const message& m, member_id local) {
  if (!raftpb::is_known_wire_type(m.type)) return delivery_refusal::unknown_type;
  if (m.to != local) return delivery_refusal::wrong_recipient;
  return delivery_refusal::none;
}

// etcd's words for each refusal.
[[nodiscard]] inline std::string_view refusal_text(delivery_refusal r) {
  switch (r) {
    case delivery_refusal::unknown_type: return "ignored Raft message of a type this member does not handle";
    case delivery_refusal::wrong_recipient: return "rejected Raft message to mismatch member";
    case delivery_refusal::none: break;
  }
  return {};
}

}  // namespace rafthttp::detail
