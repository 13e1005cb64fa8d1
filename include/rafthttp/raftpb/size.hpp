// Sizes of the raftpb encodings, exactly as the Go member of each etcd release
// computes them (Size() of gogoproto for 3.4 to 3.6, proto.Size for 3.7): the
// fields of schema.hpp that the style writes (wire_style.hpp); bytes fields
// count only when present.
#pragma once

#include <rafthttp/raftpb/schema.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/raftpb/wire_style.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace rafthttp::raftpb {

namespace detail {

[[nodiscard]] constexpr std::size_t varint_size(std::uint64_t v) {
  return (static_cast<std::size_t>(std::bit_width(v | 1)) + 6) / 7;
}
// Every raftpb field number is below 16: its tag is one byte.
[[nodiscard]] constexpr std::size_t varint_field_size(std::uint64_t v) { return 1 + varint_size(v); }
[[nodiscard]] constexpr std::size_t length_field_size(std::size_t n) { return 1 + varint_size(n) + n; }

// The varint a scalar member is written as. Go writes an enum (int32) as the
// varint of its sign-extended 64-bit value, a bool as 0 or 1.
template <class V>
[[nodiscard]] constexpr std::uint64_t varint_value(V v) {
  if constexpr (std::is_enum_v<V>) return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v)));
  else return static_cast<std::uint64_t>(v);
}

template <wire_style Style, bool WithRepeated = true, class T>
[[nodiscard]] constexpr std::size_t fields_size(const T& value);

// The size of an embedded T{}, computed once: a message's snapshot is nearly
// always empty, and walking it three levels deep (snapshot, metadata,
// conf_state) would cost more than the rest of the message.
template <wire_style Style, class T>
[[nodiscard]] std::size_t default_size() {
  static const std::size_t size = fields_size<Style>(T{});
  return size;
}

template <wire_style Style, class T>
[[nodiscard]] std::size_t embedded_size(const T& value) {
  return schema::is_default(value) ? default_size<Style, T>() : fields_size<Style>(value);
}

// The bytes field F of `value` takes in `Style` (0 when the style leaves it out).
template <wire_style Style, class F, class T, class Flags>
[[nodiscard, gnu::always_inline]] constexpr std::size_t field_size(const T& value, const Flags& flags) {
  using schema::kind;
  if (!schema::is_written<F>(flags)) return 0;
  if constexpr (F::what == kind::zero) {
    return varint_field_size(0);
  } else {
    const auto& v = value.*F::member;
    if constexpr (F::what == kind::varint) {
      return varint_field_size(varint_value(v));
    } else if constexpr (F::what == kind::bytes) {
      return v.has_value() ? length_field_size(v.size()) : 0;
    } else if constexpr (F::what == kind::varints) {
      std::size_t n = 0;
      for (const auto element : v) n += varint_field_size(element);
      return n;
    } else if constexpr (F::what == kind::embedded) {
      return length_field_size(embedded_size<Style>(v));
    } else {
      static_assert(F::what == kind::repeated);
      std::size_t n = 0;
      for (const auto& element : v) n += length_field_size(fields_size<Style>(element));
      return n;
    }
  }
}

// The encoded size of `value`: the sum over its fields. Without its repeated
// fields when WithRepeated is false (a message's envelope, below).
template <wire_style Style, bool WithRepeated, class T>
[[nodiscard]] constexpr std::size_t fields_size(const T& value) {
  const auto flags = schema::flags_for<Style>(value);
  return std::apply(
      [&](auto... d) {
        return ((WithRepeated || decltype(d)::what != schema::kind::repeated
                     ? field_size<Style, decltype(d)>(value, flags)
                     : 0) +
                ...);
      },
      schema::fields_of<T>::fields);
}

// A message's fields other than its entries (the msgappv2 decoder adds the
// entries' sizes from their record lengths).
template <wire_style Style>
[[nodiscard]] std::size_t envelope_size(const message& m) {
  return fields_size<Style, false>(m);
}

}  // namespace detail

// The encoded size of a value in the wire style of an etcd release. Only
// messages and entries differ between styles; etcd 3.4's when none is named.
template <wire_style Style = wire_style::etcd_3_4, schema::described T>
[[nodiscard]] std::size_t encoded_size(const T& value) {
  return detail::fields_size<Style>(value);
}

// The same in a style chosen at run time (a transport's wire profile).
template <schema::described T>
[[nodiscard]] std::size_t encoded_size(const T& value, wire_style style) {
  return with_style(style, [&](auto s) { return detail::fields_size<decltype(s)::value>(value); });
}

}  // namespace rafthttp::raftpb
