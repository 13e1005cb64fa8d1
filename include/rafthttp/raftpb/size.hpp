// Sizes of the raftpb encodings, exactly as Go 3.4's gogoproto Size()
// computes them (PROTOCOL.md 5.2, 5.3): every non-nullable field counts even
// when zero, bytes fields only when present.
#pragma once

#include <rafthttp/raftpb/types.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rafthttp::raftpb {

namespace detail {

[[nodiscard]] constexpr std::size_t varint_size(std::uint64_t v) {
  return (static_cast<std::size_t>(std::bit_width(v | 1)) + 6) / 7;
}
// Every raftpb field number is below 16: its tag is one byte.
[[nodiscard]] constexpr std::size_t varint_field_size(std::uint64_t v) { return 1 + varint_size(v); }
[[nodiscard]] constexpr std::size_t length_field_size(std::size_t n) { return 1 + varint_size(n) + n; }
// Go writes an enum (int32) as the varint of its sign-extended 64-bit value.
[[nodiscard]] constexpr std::uint64_t enum_value(auto e) {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(e)));
}
[[nodiscard]] inline std::size_t bytes_size(const bytes& b) {
  return b.has_value() ? length_field_size(b.size()) : 0;
}
[[nodiscard]] inline std::size_t list_size(const std::vector<std::uint64_t>& list) {
  std::size_t n = 0;
  for (auto v : list) n += varint_field_size(v);
  return n;
}

}  // namespace detail

[[nodiscard]] inline std::size_t encoded_size(const entry& e) {
  using namespace detail;
  return varint_field_size(enum_value(e.type)) + varint_field_size(e.term) + varint_field_size(e.index) +
         bytes_size(e.data);
}

[[nodiscard]] inline std::size_t encoded_size(const conf_state& cs) {
  using namespace detail;
  return list_size(cs.voters) + list_size(cs.learners) + list_size(cs.voters_outgoing) +
         list_size(cs.learners_next) + varint_field_size(cs.auto_leave);
}

[[nodiscard]] inline std::size_t encoded_size(const snapshot_metadata& md) {
  using namespace detail;
  return length_field_size(encoded_size(md.conf_state)) + varint_field_size(md.index) +
         varint_field_size(md.term);
}

[[nodiscard]] inline std::size_t encoded_size(const snapshot& s) {
  using namespace detail;
  return bytes_size(s.data) + length_field_size(encoded_size(s.metadata));
}

[[nodiscard]] inline std::size_t encoded_size(const message& m) {
  using namespace detail;
  std::size_t n = varint_field_size(enum_value(m.type)) + varint_field_size(m.to) + varint_field_size(m.from) +
                  varint_field_size(m.term) + varint_field_size(m.log_term) + varint_field_size(m.index);
  for (const auto& e : m.entries) n += length_field_size(encoded_size(e));
  return n + varint_field_size(m.commit) + length_field_size(encoded_size(m.snapshot)) +
         varint_field_size(m.reject) + varint_field_size(m.reject_hint) + bytes_size(m.context);
}

[[nodiscard]] inline std::size_t encoded_size(const hard_state& hs) {
  using namespace detail;
  return varint_field_size(hs.term) + varint_field_size(hs.vote) + varint_field_size(hs.commit);
}

[[nodiscard]] inline std::size_t encoded_size(const conf_change& cc) {
  using namespace detail;
  return varint_field_size(cc.id) + varint_field_size(enum_value(cc.type)) + varint_field_size(cc.node_id) +
         bytes_size(cc.context);
}

[[nodiscard]] inline std::size_t encoded_size(const conf_change_single& c) {
  using namespace detail;
  return varint_field_size(enum_value(c.type)) + varint_field_size(c.node_id);
}

[[nodiscard]] inline std::size_t encoded_size(const conf_change_v2& cc) {
  using namespace detail;
  std::size_t n = varint_field_size(enum_value(cc.transition));
  for (const auto& c : cc.changes) n += length_field_size(encoded_size(c));
  return n + bytes_size(cc.context);
}

}  // namespace rafthttp::raftpb
