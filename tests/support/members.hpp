// The tests' cluster 0x7b: the options of its members and the messages they
// exchange, built field by field (see raftpb::message on GCC 12).
#pragma once

#include <rafthttp/options.hpp>
#include <rafthttp/raftpb/types.hpp>

#include <cstdint>

namespace rafthttp::test {

inline constexpr std::uint64_t test_cluster_id = 0x7b;

[[nodiscard]] inline transport_options member_options(member_id id = 1) {
  transport_options o;
  o.id = id;
  o.cluster_id = test_cluster_id;
  return o;
}

[[nodiscard]] inline message make_message(message_type type, member_id from, member_id to, std::uint64_t term,
                                          std::uint64_t index = 0) {
  message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  m.index = index;
  return m;
}

}  // namespace rafthttp::test
