// Protobuf encoding and decoding of the raftpb value types, byte-identical to
// the Go member of each etcd release and accepting what any of them sends.
//
//   std::size_t n = raftpb::encoded_size(m, style);
//   raftpb::encode(m, buffer, style);          // writes exactly n bytes
//   std::error_code ec = raftpb::decode(bytes, m);
//
// Written by hand for the hot path (a message costs a few hundred
// instructions each way); tests/raftpb/reference/nanopb_codec.hpp is the
// schema-driven reference the tests hold it to. Encoding: fields in number order, the fields the style
// writes (wire_style.hpp; etcd 3.4's when none is named), bytes fields iff
// present. Decoding is proto2 as Go's generated Unmarshal does it, which every
// release's encoding satisfies: absent fields are zero, any field order,
// packed or unpacked lists, unknown fields of every wire type skipped (3.6's
// vote and responses, groups too), repeated embedded messages merged, varints
// of up to 10 bytes, enums truncated to 32 bits. Errors: truncation, bad
// varints, wrong wire types of known fields, illegal tags, a stray end-group,
// and one thing Go gets wrong: a packed element running past its field.
#pragma once

#include <rafthttp/codec/error.hpp>
#include <rafthttp/raftpb/size.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/raftpb/wire_style.hpp>

#include <cstdint>
#include <cstring>
#include <span>
#include <system_error>
#include <type_traits>
#include <vector>

namespace rafthttp::raftpb {

namespace detail {

// Clears a value for decoding into it again while keeping the capacity of its
// strings and vectors (entries are reused element by element, see repeated_target).
inline void clear_for_reuse(std::vector<std::uint64_t>& list) { list.clear(); }
inline void clear_for_reuse(bytes& b) { b.reset(); }
inline void clear_for_reuse(conf_state& cs) {
  clear_for_reuse(cs.voters);
  clear_for_reuse(cs.learners);
  clear_for_reuse(cs.voters_outgoing);
  clear_for_reuse(cs.learners_next);
  cs.auto_leave = false;
}
inline void clear_for_reuse(entry& e) {
  e.type = entry_type::EntryNormal;
  e.term = e.index = 0;
  clear_for_reuse(e.data);
}
inline void clear_for_reuse(snapshot& s) {
  clear_for_reuse(s.data);
  clear_for_reuse(s.metadata.conf_state);
  s.metadata.index = s.metadata.term = 0;
}
inline void clear_for_reuse(message& m) {
  auto entries = std::move(m.entries);
  auto snap = std::move(m.snapshot);
  auto context = std::move(m.context);
  m = message{};
  m.entries = std::move(entries);
  clear_for_reuse(snap);
  m.snapshot = std::move(snap);
  clear_for_reuse(context);
  m.context = std::move(context);
}
template <class T>
void clear_for_reuse(T& value) {
  value = T{};
}

// ---------------------------------------------------------------- encoding --

// Field tags of raftpb: field numbers below 16, one byte each.
constexpr std::uint8_t varint_tag(int field) { return static_cast<std::uint8_t>(field << 3); }
constexpr std::uint8_t length_tag(int field) { return static_cast<std::uint8_t>(field << 3 | 2); }

class writer {
 public:
  explicit writer(std::uint8_t* at) : at_(at) {}

  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      *at_++ = static_cast<std::uint8_t>(v | 0x80);
      v >>= 7;
    }
    *at_++ = static_cast<std::uint8_t>(v);
  }
  void varint_field(int field, std::uint64_t v) {
    *at_++ = varint_tag(field);
    varint(v);
  }
  void length_field(int field, std::size_t n) {
    *at_++ = length_tag(field);
    varint(n);
  }
  void raw(const void* data, std::size_t n) {
    if (n > 0) std::memcpy(at_, data, n);
    at_ += n;
  }
  void bytes_field(int field, const bytes& b) {
    if (!b.has_value()) return;
    length_field(field, b.size());
    raw(b.view().data(), b.size());
  }
  void varints(int field, const std::vector<std::uint64_t>& list) {
    for (auto v : list) varint_field(field, v);
  }
  [[nodiscard]] std::uint8_t* position() const { return at_; }

 private:
  std::uint8_t* at_;
};

template <wire_style Style>
void write(writer& w, const entry& e) {
  const auto f = fields_written<Style>(e);
  if (f.type) w.varint_field(1, enum_value(e.type));
  if (f.term) w.varint_field(2, e.term);
  if (f.index) w.varint_field(3, e.index);
  w.bytes_field(4, e.data);
}

inline void write(writer& w, const conf_state& cs) {
  w.varints(1, cs.voters);
  w.varints(2, cs.learners);
  w.varints(3, cs.voters_outgoing);
  w.varints(4, cs.learners_next);
  w.varint_field(5, cs.auto_leave);
}

inline void write(writer& w, const snapshot_metadata& md) {
  w.length_field(1, encoded_size(md.conf_state));
  write(w, md.conf_state);
  w.varint_field(2, md.index);
  w.varint_field(3, md.term);
}

inline void write(writer& w, const snapshot& s) {
  w.bytes_field(1, s.data);
  w.length_field(2, encoded_size(s.metadata));
  write(w, s.metadata);
}

// What Go writes for a message's (usually empty) snapshot field.
inline void write_snapshot_field(writer& w, const snapshot& s) {
  static constexpr std::uint8_t empty[] = {0x4a, 0x0a, 0x12, 0x08, 0x0a, 0x02, 0x28, 0x00, 0x10, 0x00, 0x18, 0x00};
  if (is_empty(s)) {
    w.raw(empty, sizeof empty);
    return;
  }
  w.length_field(9, encoded_size(s));
  write(w, s);
}

template <wire_style Style>
void write(writer& w, const message& m) {
  const auto f = fields_written<Style>(m);
  w.varint_field(1, enum_value(m.type));
  if (f.to) w.varint_field(2, m.to);
  if (f.from) w.varint_field(3, m.from);
  if (f.term) w.varint_field(4, m.term);
  if (f.log_term) w.varint_field(5, m.log_term);
  if (f.index) w.varint_field(6, m.index);
  for (const auto& e : m.entries) {
    w.length_field(7, encoded_size<Style>(e));
    write<Style>(w, e);
  }
  if (f.commit) w.varint_field(8, m.commit);
  if (f.snapshot) write_snapshot_field(w, m.snapshot);
  if (f.reject) w.varint_field(10, m.reject);
  if (f.reject_hint) w.varint_field(11, m.reject_hint);
  w.bytes_field(12, m.context);
  if (f.vote) w.varint_field(13, 0);
}

inline void write(writer& w, const hard_state& hs) {
  w.varint_field(1, hs.term);
  w.varint_field(2, hs.vote);
  w.varint_field(3, hs.commit);
}

inline void write(writer& w, const conf_change& cc) {
  w.varint_field(1, cc.id);
  w.varint_field(2, enum_value(cc.type));
  w.varint_field(3, cc.node_id);
  w.bytes_field(4, cc.context);
}

inline void write(writer& w, const conf_change_single& c) {
  w.varint_field(1, enum_value(c.type));
  w.varint_field(2, c.node_id);
}

inline void write(writer& w, const conf_change_v2& cc) {
  w.varint_field(1, enum_value(cc.transition));
  for (const auto& c : cc.changes) {
    w.length_field(2, encoded_size(c));
    write(w, c);
  }
  w.bytes_field(3, cc.context);
}

// ---------------------------------------------------------------- decoding --

// Reads protobuf wire format the way Go's generated Unmarshal does.
class reader {
 public:
  explicit reader(std::span<const std::uint8_t> in) : at_(in.data()), end_(in.data() + in.size()) {}

  [[nodiscard]] bool done() const { return at_ == end_; }
  [[nodiscard]] std::error_code error() const { return error_; }

  // Go: at most 10 bytes, bits beyond 64 dropped; an 11th byte overflows.
  bool varint(std::uint64_t& v) {
    if (at_ != end_ && *at_ < 0x80) {  // the common one-byte case
      v = *at_++;
      return true;
    }
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ == end_) return fail(codec::errc::truncated);
      const std::uint8_t b = *at_++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return true;
    }
    return fail(codec::errc::malformed_protobuf);
  }

  // A field's number and wire type. Go takes the number as int32(wire >> 3):
  // zero or negative is an illegal tag; an end-group here is an error.
  bool tag(std::int32_t& field, int& wire_type) {
    std::uint64_t wire = 0;
    if (!varint(wire)) return false;
    field = static_cast<std::int32_t>(static_cast<std::uint32_t>(wire >> 3));
    wire_type = static_cast<int>(wire & 7);
    if (wire_type == 4 || field <= 0) return fail(codec::errc::malformed_protobuf);
    return true;
  }

  // A length-delimited value as a window of the input.
  bool window(std::span<const std::uint8_t>& out) {
    std::uint64_t length = 0;
    if (!varint(length)) return false;
    if (length > static_cast<std::uint64_t>(INT64_MAX)) return fail(codec::errc::malformed_protobuf);
    if (length > static_cast<std::uint64_t>(end_ - at_)) return fail(codec::errc::truncated);
    out = {at_, static_cast<std::size_t>(length)};
    at_ += length;
    return true;
  }

  // Skips an unknown field as Go's skipRaft does (groups included).
  bool skip(int wire_type) {
    std::uint64_t ignored = 0;
    std::span<const std::uint8_t> window_ignored;
    switch (wire_type) {
      case 0: return varint(ignored);
      case 1: return advance(8);
      case 2: return window(window_ignored);
      case 3: return skip_group();
      case 5: return advance(4);
      default: return fail(codec::errc::malformed_protobuf);
    }
  }

  bool fail(codec::errc e) {
    if (!error_) error_ = e;
    return false;
  }

 private:
  bool advance(std::size_t n) {
    if (static_cast<std::size_t>(end_ - at_) < n) return fail(codec::errc::truncated);
    at_ += n;
    return true;
  }

  // Fields until an end-group tag of any number (Go does not match numbers).
  bool skip_group() {
    for (;;) {
      std::uint64_t wire = 0;
      if (!varint(wire)) return false;
      const int wire_type = static_cast<int>(wire & 7);
      if (wire_type == 4) return true;
      if (!skip(wire_type)) return false;
    }
  }

  const std::uint8_t* at_;
  const std::uint8_t* end_;
  std::error_code error_;
};

// Field readers with the wire-type check Go makes for known fields.
inline bool read_u64(reader& r, int wire_type, std::uint64_t& out) {
  if (wire_type != 0) return r.fail(codec::errc::malformed_protobuf);
  return r.varint(out);
}

template <class Enum>
bool read_enum(reader& r, int wire_type, Enum& out) {
  std::uint64_t v = 0;
  if (!read_u64(r, wire_type, v)) return false;
  out = static_cast<Enum>(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)));
  return true;
}

inline bool read_bool(reader& r, int wire_type, bool& out) {
  std::uint64_t v = 0;
  if (!read_u64(r, wire_type, v)) return false;
  out = v != 0;
  return true;
}

inline bool read_window(reader& r, int wire_type, std::span<const std::uint8_t>& out) {
  if (wire_type != 2) return r.fail(codec::errc::malformed_protobuf);
  return r.window(out);
}

inline bool read_bytes(reader& r, int wire_type, bytes& out) {
  std::span<const std::uint8_t> window;
  if (!read_window(r, wire_type, window)) return false;
  out.emplace().assign(reinterpret_cast<const char*>(window.data()), window.size());
  return true;
}

// A repeated uint64, one element (wire type 0) or packed (2). Unlike Go, a
// packed element may not run past the end of its field.
inline bool read_u64_list(reader& r, int wire_type, std::vector<std::uint64_t>& out) {
  std::uint64_t v = 0;
  if (wire_type == 0) {
    if (!r.varint(v)) return false;
    out.push_back(v);
    return true;
  }
  std::span<const std::uint8_t> window;
  if (!read_window(r, wire_type, window)) return false;
  reader packed(window);
  while (!packed.done()) {
    if (!packed.varint(v)) return r.fail(codec::errc::malformed_protobuf);
    out.push_back(v);
  }
  return true;
}

template <class T>
bool read_fields(reader& r, T& value);

// An embedded message: decoded from its window, merging into `value`.
template <class T>
bool read_embedded(reader& r, int wire_type, T& value) {
  std::span<const std::uint8_t> window;
  if (!read_window(r, wire_type, window)) return false;
  reader inner(window);
  if (read_fields(inner, value)) return true;
  return r.fail(inner.error() == codec::errc::truncated ? codec::errc::truncated : codec::errc::malformed_protobuf);
}

// Reuses the capacity of the elements a vector holds already; see finish().
template <class T>
struct reused_elements {
  std::vector<T>& values;
  std::size_t used = 0;

  T& next() {
    if (used == values.size()) values.emplace_back();
    else clear_for_reuse(values[used]);
    return values[used++];
  }
  void finish() { values.resize(used); }
};

template <>
inline bool read_fields(reader& r, entry& e) {
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_enum(r, wire_type, e.type); break;
      case 2: ok = read_u64(r, wire_type, e.term); break;
      case 3: ok = read_u64(r, wire_type, e.index); break;
      case 4: ok = read_bytes(r, wire_type, e.data); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  return true;
}

template <>
inline bool read_fields(reader& r, conf_state& cs) {
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_u64_list(r, wire_type, cs.voters); break;
      case 2: ok = read_u64_list(r, wire_type, cs.learners); break;
      case 3: ok = read_u64_list(r, wire_type, cs.voters_outgoing); break;
      case 4: ok = read_u64_list(r, wire_type, cs.learners_next); break;
      case 5: ok = read_bool(r, wire_type, cs.auto_leave); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  return true;
}

template <>
inline bool read_fields(reader& r, snapshot_metadata& md) {
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_embedded(r, wire_type, md.conf_state); break;
      case 2: ok = read_u64(r, wire_type, md.index); break;
      case 3: ok = read_u64(r, wire_type, md.term); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  return true;
}

template <>
inline bool read_fields(reader& r, snapshot& s) {
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_bytes(r, wire_type, s.data); break;
      case 2: ok = read_embedded(r, wire_type, s.metadata); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  return true;
}

template <>
inline bool read_fields(reader& r, message& m) {
  reused_elements<entry> entries{m.entries};
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_enum(r, wire_type, m.type); break;
      case 2: ok = read_u64(r, wire_type, m.to); break;
      case 3: ok = read_u64(r, wire_type, m.from); break;
      case 4: ok = read_u64(r, wire_type, m.term); break;
      case 5: ok = read_u64(r, wire_type, m.log_term); break;
      case 6: ok = read_u64(r, wire_type, m.index); break;
      case 7: ok = read_embedded(r, wire_type, entries.next()); break;
      case 8: ok = read_u64(r, wire_type, m.commit); break;
      case 9: ok = read_embedded(r, wire_type, m.snapshot); break;
      case 10: ok = read_bool(r, wire_type, m.reject); break;
      case 11: ok = read_u64(r, wire_type, m.reject_hint); break;
      case 12: ok = read_bytes(r, wire_type, m.context); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  entries.finish();
  return true;
}

template <>
inline bool read_fields(reader& r, hard_state& hs) {
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_u64(r, wire_type, hs.term); break;
      case 2: ok = read_u64(r, wire_type, hs.vote); break;
      case 3: ok = read_u64(r, wire_type, hs.commit); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  return true;
}

template <>
inline bool read_fields(reader& r, conf_change& cc) {
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_u64(r, wire_type, cc.id); break;
      case 2: ok = read_enum(r, wire_type, cc.type); break;
      case 3: ok = read_u64(r, wire_type, cc.node_id); break;
      case 4: ok = read_bytes(r, wire_type, cc.context); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  return true;
}

template <>
inline bool read_fields(reader& r, conf_change_single& c) {
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_enum(r, wire_type, c.type); break;
      case 2: ok = read_u64(r, wire_type, c.node_id); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  return true;
}

template <>
inline bool read_fields(reader& r, conf_change_v2& cc) {
  reused_elements<conf_change_single> changes{cc.changes};
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    switch (field) {
      case 1: ok = read_enum(r, wire_type, cc.transition); break;
      case 2: ok = read_embedded(r, wire_type, changes.next()); break;
      case 3: ok = read_bytes(r, wire_type, cc.context); break;
      default: ok = r.skip(wire_type);
    }
    if (!ok) return false;
  }
  changes.finish();
  return true;
}

}  // namespace detail

// Writes the encoding of `value` to `out`, which must hold encoded_size(value)
// bytes; returns the number written. Messages and entries take the wire style
// of an etcd release (wire_style.hpp); the others have one encoding.
template <class T>
std::size_t encode(const T& value, std::span<std::uint8_t> out) {
  detail::writer w(out.data());
  if constexpr (std::is_same_v<T, message> || std::is_same_v<T, entry>) detail::write<wire_style::etcd_3_4>(w, value);
  else detail::write(w, value);
  return static_cast<std::size_t>(w.position() - out.data());
}

template <class T>
  requires std::is_same_v<T, message> || std::is_same_v<T, entry>
std::size_t encode(const T& value, std::span<std::uint8_t> out, wire_style style) {
  detail::writer w(out.data());
  with_style(style, [&](auto s) { detail::write<decltype(s)::value>(w, value); });
  return static_cast<std::size_t>(w.position() - out.data());
}

template <class T>
[[nodiscard]] std::vector<std::uint8_t> encode(const T& value) {
  std::vector<std::uint8_t> out(encoded_size(value));
  encode(value, std::span(out));
  return out;
}

template <class T>
  requires std::is_same_v<T, message> || std::is_same_v<T, entry>
[[nodiscard]] std::vector<std::uint8_t> encode(const T& value, wire_style style) {
  std::vector<std::uint8_t> out(encoded_size(value, style));
  encode(value, std::span(out), style);
  return out;
}

// Decodes `in` into `out`, replacing its contents (its capacity is kept). On
// error, `out` holds whatever was decoded before the error.
template <class T>
[[nodiscard]] std::error_code decode(std::span<const std::uint8_t> in, T& out) {
  detail::clear_for_reuse(out);
  detail::reader r(in);
  if (detail::read_fields(r, out)) return {};
  return r.error() ? r.error() : make_error_code(codec::errc::malformed_protobuf);
}

}  // namespace rafthttp::raftpb
