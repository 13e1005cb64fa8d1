// Protobuf encoding and decoding of the raftpb value types, byte-identical to
// the Go member of each etcd release and accepting what any of them sends.
//
//   std::size_t n = raftpb::encoded_size(m, style);
//   if (raftpb::encode(m, buffer, style) != n) ...   // never writes past `buffer`
//   std::error_code ec = raftpb::decode(bytes, m);
//
// Generic code over schema.hpp's description of each type, which the compiler
// flattens into what a hand-written codec would be (sizing and encoding a
// MsgAppResp: about 220 instructions together; decoding a message: a few
// hundred). A bare value (schema::is_bare: no entries, snapshot or context,
// as most messages) has a sizing and an encoding path without calls of its
// own. tests/raftpb/reference/nanopb_codec.hpp is
// the independent reference the tests hold it to. Encoding: fields in number
// order, the fields the style writes (wire_style.hpp; etcd 3.4's when none is
// named), bytes fields iff present. Decoding is proto2 as Go's generated
// Unmarshal does it, which every release's encoding satisfies: absent fields
// are zero, any field order, packed or unpacked lists, unknown fields of every
// wire type skipped (3.6's vote and responses, groups too), repeated embedded
// messages merged, varints of up to 10 bytes, enums truncated to 32 bits.
// Errors: truncation, bad varints, wrong wire types of known fields, illegal
// tags, a stray end-group, and one thing Go gets wrong: a packed element
// running past its field.
#pragma once

#include <rafthttp/codec/error.hpp>
#include <rafthttp/raftpb/schema.hpp>
#include <rafthttp/raftpb/size.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/raftpb/wire_style.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rafthttp::raftpb {

namespace detail {

// Clears a value for decoding into it again while keeping the capacity of its
// strings and vectors. Repeated messages keep their elements: decoding reuses
// them one by one and drops the rest (reused_elements).
template <schema::described T>
void clear_for_reuse(T& value) {
  schema::for_each_field<T>([&](auto d) {
    using F = decltype(d);
    using schema::kind;
    if constexpr (F::what == kind::varint) value.*F::member = {};
    else if constexpr (F::what == kind::bytes) (value.*F::member).reset();
    else if constexpr (F::what == kind::varints) (value.*F::member).clear();
    else if constexpr (F::what == kind::embedded) clear_for_reuse(value.*F::member);
  });
}

// ---------------------------------------------------------------- encoding --

// Field tags of raftpb: field numbers below 16, one byte each.
constexpr std::uint8_t varint_tag(int field) { return static_cast<std::uint8_t>(field << 3); }
constexpr std::uint8_t length_tag(int field) { return static_cast<std::uint8_t>(field << 3 | 2); }

// Writes into a buffer it never passes: a field that does not fit fails the
// writer (ok() false) and writes nothing, nor does anything after it. A
// caller that sized the buffer with encoded_size() compares written() with
// that size, so that sizes and encoder disagreeing is an error, not an overflow.
//
// Everything below is inlined into encode(): the writer is then a local
// whose position and end live in registers, and a field costs its stores and
// one comparison. A call per field, or a writer in memory, would cost more
// than the field.
class writer {
 public:
  explicit writer(std::span<std::uint8_t> out)
      : begin_(out.data()),
        at_(begin_),
        end_(begin_ + out.size()),
        roomy_end_(out.size() > max_varint_field ? end_ - max_varint_field : begin_) {}

  [[gnu::always_inline]] void varint_field(int field, std::uint64_t v) { tagged(varint_tag(field), v); }
  [[gnu::always_inline]] void length_field(int field, std::size_t n) { tagged(length_tag(field), n); }
  [[gnu::always_inline]] void raw(const void* data, std::size_t n) {
    if (n > room()) [[unlikely]]
      return overflow();
    if (n > 0) std::memcpy(at_, data, n);
    at_ += n;
  }
  // A length-delimited field whose bytes are known: one check for all of it.
  [[gnu::always_inline]] void length_field(int field, const void* data, std::size_t n) {
    if (length_field_size(n) > room()) [[unlikely]]
      return overflow();
    std::uint8_t* at = put_varint(at_, length_tag(field), n);
    if (n > 0) std::memcpy(at, data, n);
    at_ = at + n;
  }
  [[gnu::always_inline]] void bytes_field(int field, const bytes& b) {
    if (b.has_value()) length_field(field, b.view().data(), b.size());
  }

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::size_t written() const { return static_cast<std::size_t>(at_ - begin_); }

 private:
  // A tag and a varint: at most 11 bytes. Before roomy_end_ any fits, so one
  // comparison of two pointers in registers; the exact size only near the end.
  static constexpr std::size_t max_varint_field = 11;
  [[gnu::always_inline]] void tagged(std::uint8_t tag, std::uint64_t v) {
    if (at_ >= roomy_end_ && room() < varint_field_size(v)) [[unlikely]]
      return overflow();
    at_ = put_varint(at_, tag, v);
  }
  // The bytes go through a local pointer: stores through at_ itself would
  // make the compiler reload it after each byte (a byte may alias anything).
  // A one-byte value (a type, a flag, a small term or id, 3.4's zero fields:
  // most fields of most messages) first, at fixed offsets: one pointer update
  // per field. Longer ones take the loop.
  [[gnu::always_inline]] static std::uint8_t* put_varint(std::uint8_t* at, std::uint8_t tag, std::uint64_t v) {
    at[0] = tag;
    if (v < 0x80) [[likely]] {
      at[1] = static_cast<std::uint8_t>(v);
      return at + 2;
    }
    ++at;
    do {
      *at++ = static_cast<std::uint8_t>(v | 0x80);
      v >>= 7;
    } while (v >= 0x80);
    *at++ = static_cast<std::uint8_t>(v);
    return at;
  }
  [[nodiscard, gnu::always_inline]] std::size_t room() const { return static_cast<std::size_t>(end_ - at_); }
  // Inline too: a call would take the writer's address, and the compiler
  // would then keep its position in memory, reloading it after every byte.
  [[gnu::always_inline]] void overflow() {
    ok_ = false;
    at_ = end_;  // no room left: nothing more is written
  }

  std::uint8_t* begin_;
  std::uint8_t* at_;
  std::uint8_t* end_;
  std::uint8_t* roomy_end_;  // at_ < roomy_end_: at least max_varint_field bytes left
  bool ok_ = true;
};

template <wire_style Style, schema::described T>
void write_fields(writer& w, const T& value);

// An embedded field F; a T{} (a message's usual, empty snapshot) as the
// field's bytes computed at compile time, tag and length included, without
// walking its three levels again.
template <wire_style Style, class F, class T>
[[gnu::always_inline]] inline void write_embedded(writer& w, const T& value) {
  if (schema::is_default(value)) {
    static constexpr auto bytes = default_field_encoding<F::number, T>();
    w.raw(bytes.data(), bytes.size());
  } else {
    w.length_field(F::number, fields_size<Style>(value));
    write_fields<Style>(w, value);
  }
}

// Writes field F of `value` if the style writes it (schema.hpp). Bare:
// `value` is known bare (schema::is_bare), its non-scalar fields empty.
template <wire_style Style, bool Bare, class F, class T, class Flags>
[[gnu::always_inline]] inline void write_field(writer& w, const T& value, const Flags& flags) {
  using schema::kind;
  if (!schema::is_written<F>(flags)) return;
  if constexpr (Bare && !schema::is_scalar<F>) {
    if constexpr (F::what == kind::embedded) {
      static constexpr auto bytes = default_field_encoding<F::number, member_t<F, T>>();
      w.raw(bytes.data(), bytes.size());
    }
  } else if constexpr (F::what == kind::zero) {
    w.varint_field(F::number, 0);
  } else {
    const auto& v = value.*F::member;
    if constexpr (F::what == kind::varint) {
      w.varint_field(F::number, varint_value(v));
    } else if constexpr (F::what == kind::bytes) {
      w.bytes_field(F::number, v);
    } else if constexpr (F::what == kind::varints) {
      for (const auto element : v) w.varint_field(F::number, element);
    } else if constexpr (F::what == kind::embedded) {
      write_embedded<Style, F>(w, v);
    } else {
      static_assert(F::what == kind::repeated);
      for (const auto& element : v) {
        w.length_field(F::number, fields_size<Style>(element));
        write_fields<Style>(w, element);
      }
    }
  }
}

// Fields in number order, as Go writes them; a fold rather than a generic
// lambda for the reason size.hpp's fields_size gives.
template <wire_style Style, bool Bare, class T, std::size_t... I>
[[gnu::always_inline]] inline void write_fields(writer& w, const T& value, std::index_sequence<I...>) {
  const auto flags = schema::flags_for<Style>(value);
  (write_field<Style, Bare, std::tuple_element_t<I, schema::fields_t<T>>>(w, value, flags), ...);
}

template <wire_style Style, schema::described T>
[[gnu::always_inline]] inline void write_fields(writer& w, const T& value) {
  write_fields<Style, false>(w, value, schema::field_indices<T>{});
}

// The count written, or failed_encoding when `out` was too small. A plain
// count rather than an optional: GCC returns std::optional<std::size_t>
// through the stack, and encode() converts it where it is inlined.
inline constexpr std::size_t failed_encoding = SIZE_MAX;  // no buffer is that large

template <wire_style Style, bool Bare, class T>
[[gnu::always_inline]] inline std::size_t encode_fields(const T& value, std::span<std::uint8_t> out) {
  writer w(out);
  write_fields<Style, Bare>(w, value, schema::field_indices<T>{});
  return w.ok() ? w.written() : failed_encoding;
}

// Both paths out of line, so that encode() is the choice and a jump: the
// bare one (no memcpy, no nested size) is then a function without calls,
// which saves and restores no registers.
template <wire_style Style, class T>
[[gnu::noinline]] std::size_t encode_bare(const T& value, std::span<std::uint8_t> out) {
  return encode_fields<Style, true>(value, out);
}
template <wire_style Style, class T>
[[gnu::noinline]] std::size_t encode_full(const T& value, std::span<std::uint8_t> out) {
  return encode_fields<Style, false>(value, out);
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

template <schema::described T>
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

// What decoding one field keeps from one occurrence to the next: the
// elements of a repeated message used so far; nothing for other fields.
struct no_cursor {
  void finish() {}
};

template <class F, class T>
auto cursor_for(T& value) {
  if constexpr (F::what == schema::kind::repeated) {
    using element = typename std::remove_cvref_t<decltype(value.*F::member)>::value_type;
    return reused_elements<element>{value.*F::member};  // spelled out: clang 14 has no aggregate CTAD
  } else {
    return no_cursor{};
  }
}

// Reads one occurrence of field F, with the wire-type check Go makes for
// known fields.
template <class F, class T, class Cursor>
bool read_field(reader& r, int wire_type, T& value, Cursor& cursor) {
  using schema::kind;
  if constexpr (F::what == kind::zero) {
    return r.skip(wire_type);  // a field we only write: read as unknown
  } else if constexpr (F::what == kind::repeated) {
    return read_embedded(r, wire_type, cursor.next());
  } else {
    auto& v = value.*F::member;
    using V = std::remove_cvref_t<decltype(v)>;
    if constexpr (F::what == kind::bytes) return read_bytes(r, wire_type, v);
    else if constexpr (F::what == kind::varints) return read_u64_list(r, wire_type, v);
    else if constexpr (F::what == kind::embedded) return read_embedded(r, wire_type, v);
    else if constexpr (std::is_enum_v<V>) return read_enum(r, wire_type, v);
    else if constexpr (std::is_same_v<V, bool>) return read_bool(r, wire_type, v);
    else return read_u64(r, wire_type, v);
  }
}

// Fields in any order until the input ends. A number no field of T has is
// skipped whatever its wire type; the fold over the descriptors compares
// constants, which the compiler turns into a switch.
template <class T, std::size_t... I>
bool read_fields(reader& r, T& value, std::index_sequence<I...>) {
  using fields = std::remove_cvref_t<decltype(schema::fields_of<T>::fields)>;
  auto cursors = std::tuple{cursor_for<std::tuple_element_t<I, fields>>(value)...};
  std::int32_t field = 0;
  int wire_type = 0;
  while (!r.done()) {
    if (!r.tag(field, wire_type)) return false;
    bool ok = true;
    const bool known = ((field == std::tuple_element_t<I, fields>::number &&
                         (ok = read_field<std::tuple_element_t<I, fields>>(r, wire_type, value, std::get<I>(cursors)),
                          true)) ||
                        ...);
    if (!known) ok = r.skip(wire_type);
    if (!ok) return false;
  }
  (std::get<I>(cursors).finish(), ...);
  return true;
}

template <schema::described T>
bool read_fields(reader& r, T& value) {
  constexpr std::size_t count = std::tuple_size_v<std::remove_cvref_t<decltype(schema::fields_of<T>::fields)>>;
  return read_fields(r, value, std::make_index_sequence<count>{});
}

}  // namespace detail

// Writes the encoding of `value` into `out` in the wire style of an etcd
// release (wire_style.hpp; etcd 3.4's when none is named: only messages and
// entries differ). Returns the number of bytes written, which the caller
// compares with encoded_size(value, style) it sized `out` with; nullopt when
// `out` is too small, and then nothing was written past its end.
//
// Inlined into the caller (the choice of path and a comparison): there the
// optional folds into the caller's check, where returned it would go through
// the stack.
template <wire_style Style = wire_style::etcd_3_4, schema::described T>
[[nodiscard, gnu::always_inline]] inline std::optional<std::size_t> encode(const T& value, std::span<std::uint8_t> out) {
  std::size_t n = 0;
  if constexpr (schema::has_variable_fields<T>) {
    n = schema::is_bare(value) ? detail::encode_bare<Style>(value, out) : detail::encode_full<Style>(value, out);
  } else {
    n = detail::encode_fields<Style, false>(value, out);
  }
  if (n == detail::failed_encoding) return std::nullopt;
  return n;
}

template <schema::described T>
[[nodiscard]] std::optional<std::size_t> encode(const T& value, std::span<std::uint8_t> out, wire_style style) {
  return with_style(style, [&](auto s) { return encode<decltype(s)::value>(value, out); });
}

// Replaces the contents of `out` with the encoding (keeping its capacity).
// Sizes and encoder disagreeing is a bug of ours: std::logic_error.
template <schema::described T>
void encode_into(const T& value, std::vector<std::uint8_t>& out, wire_style style = wire_style::etcd_3_4) {
  out.resize(encoded_size(value, style));
  if (encode(value, std::span(out), style) != out.size()) throw std::logic_error("raftpb: encoded_size and encode disagree");
}

template <schema::described T>
[[nodiscard]] std::vector<std::uint8_t> encode(const T& value, wire_style style = wire_style::etcd_3_4) {
  std::vector<std::uint8_t> out;
  encode_into(value, out, style);
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
