// Sizes of the raftpb encodings, exactly as the Go member of each etcd release
// computes them (Size() of gogoproto for 3.4 to 3.6, proto.Size for 3.7): the
// fields each style writes are those wire_style.hpp names; bytes fields count
// only when present.
#pragma once

#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/raftpb/wire_style.hpp>

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

template <wire_style Style = wire_style::etcd_3_4>
[[nodiscard]] std::size_t encoded_size(const entry& e) {
  using namespace detail;
  const auto f = fields_written<Style>(e);
  return (f.type ? varint_field_size(enum_value(e.type)) : 0) + (f.term ? varint_field_size(e.term) : 0) +
         (f.index ? varint_field_size(e.index) : 0) + bytes_size(e.data);
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

namespace detail {

// A message's fields other than its entries.
template <wire_style Style>
[[nodiscard]] std::size_t envelope_size(const message& m) {
  const auto f = fields_written<Style>(m);
  return varint_field_size(enum_value(m.type)) + (f.to ? varint_field_size(m.to) : 0) +
         (f.from ? varint_field_size(m.from) : 0) + (f.term ? varint_field_size(m.term) : 0) +
         (f.log_term ? varint_field_size(m.log_term) : 0) + (f.index ? varint_field_size(m.index) : 0) +
         (f.commit ? varint_field_size(m.commit) : 0) +
         (f.snapshot ? length_field_size(encoded_size(m.snapshot)) : 0) +
         (f.reject ? varint_field_size(m.reject) : 0) + (f.reject_hint ? varint_field_size(m.reject_hint) : 0) +
         bytes_size(m.context) + (f.vote ? varint_field_size(0) : 0);
}

}  // namespace detail

template <wire_style Style = wire_style::etcd_3_4>
[[nodiscard]] std::size_t encoded_size(const message& m) {
  using namespace detail;
  std::size_t n = envelope_size<Style>(m);
  for (const auto& e : m.entries) n += length_field_size(encoded_size<Style>(e));
  return n;
}

// The sizes in a style chosen at run time (a transport's wire profile).
[[nodiscard]] inline std::size_t encoded_size(const message& m, wire_style style) {
  return with_style(style, [&](auto s) { return encoded_size<decltype(s)::value>(m); });
}
[[nodiscard]] inline std::size_t encoded_size(const entry& e, wire_style style) {
  return with_style(style, [&](auto s) { return encoded_size<decltype(s)::value>(e); });
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
