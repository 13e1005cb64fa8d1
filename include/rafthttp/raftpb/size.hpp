// Sizes of the raftpb encodings, exactly as the Go member of each etcd release
// computes them (Size() of gogoproto for 3.4 to 3.6, proto.Size for 3.7): the
// fields of schema.hpp that the style writes (wire_style.hpp); bytes fields
// count only when present.
#pragma once

#include <rafthttp/raftpb/schema.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/raftpb/wire_style.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rafthttp::raftpb {

namespace detail {

// ceil(bit_width(v) / 7) without a division: with log2 the index of v's
// highest set bit, (log2 * 9 + 73) / 64 agrees with it for every width from 1
// to 64 (checked below). It runs for every scalar field of every message;
// this way it is four instructions (or, bsr, lea, shr; unsigned 32-bit
// arithmetic needs no sign extension), where the division by 7 costs twice that.
[[nodiscard, gnu::always_inline]] constexpr unsigned highest_bit(std::uint64_t v) {
  return static_cast<unsigned>(std::countl_zero(v | 1)) ^ 63u;
}
[[nodiscard, gnu::always_inline]] constexpr std::size_t varint_size(std::uint64_t v) {
  return (highest_bit(v) * 9u + 73u) >> 6;
}

// Every raftpb field number is below 16: its tag is one byte. The tag's 1 is
// folded into the constant (73 + 64), saving an add per field.
[[nodiscard, gnu::always_inline]] constexpr std::size_t varint_field_size(std::uint64_t v) {
  return (highest_bit(v) * 9u + 137u) >> 6;
}
[[nodiscard, gnu::always_inline]] constexpr std::size_t length_field_size(std::size_t n) {
  return 1 + varint_size(n) + n;
}
static_assert([] {
  for (std::uint64_t width = 1; width <= 64; ++width) {
    const std::uint64_t lowest = std::uint64_t{1} << (width - 1), highest = lowest | (lowest - 1);
    for (const std::uint64_t v : {lowest, highest})
      if (varint_size(v) != (width + 6) / 7 || varint_field_size(v) != 1 + (width + 6) / 7) return false;
  }
  return varint_size(0) == 1 && varint_field_size(0) == 2;
}());

// The varint a scalar member is written as. Go writes an enum (int32) as the
// varint of its sign-extended 64-bit value, a bool as 0 or 1.
template <class V>
[[nodiscard, gnu::always_inline]] constexpr std::uint64_t varint_value(V v) {
  if constexpr (std::is_enum_v<V>) return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v)));
  else return static_cast<std::uint64_t>(v);
}

// The type of the member F describes in T.
template <class F, class T>
using member_t = std::remove_cvref_t<decltype(std::declval<const T&>().*F::member)>;

// ------------------------------------------ an embedded T{}, at compile time --
//
// A message's snapshot is nearly always empty, and walking it three levels
// deep (snapshot, metadata, conf_state) would cost more than the rest of the
// message. Its size and bytes follow from the description alone: in T{} a
// scalar field is 0 (tag, 0), a bytes or repeated field is absent, an
// embedded one is its own default. Only types without style flags are
// embedded (every release writes them alike), so the style plays no part.

template <class T>
consteval std::size_t default_size() {
  static_assert(std::is_same_v<decltype(schema::flags_for<wire_style::etcd_3_7>(std::declval<const T&>())),
                               schema::no_flags>,
                "an embedded type whose fields a style chooses needs its flags here");
  std::size_t n = 0;
  schema::for_each_field<T>([&](auto d) {
    using F = decltype(d);
    if constexpr (F::what == schema::kind::varint || F::what == schema::kind::zero) n += varint_field_size(0);
    else if constexpr (F::what == schema::kind::embedded) n += length_field_size(default_size<member_t<F, T>>());
  });
  return n;
}

template <int Number, class T>
consteval std::array<std::uint8_t, 2 + default_size<T>()> default_field_encoding();

template <class T>
consteval std::array<std::uint8_t, default_size<T>()> default_encoding() {
  std::array<std::uint8_t, default_size<T>()> out{};
  std::size_t at = 0;
  schema::for_each_field<T>([&](auto d) {
    using F = decltype(d);
    if constexpr (F::what == schema::kind::varint || F::what == schema::kind::zero) {
      out[at++] = static_cast<std::uint8_t>(F::number << 3);
      out[at++] = 0;
    } else if constexpr (F::what == schema::kind::embedded) {
      for (const auto b : default_field_encoding<F::number, member_t<F, T>>()) out[at++] = b;
    }
  });
  return out;
}

// The whole field Number holding a T{}: tag, length and default_encoding<T>.
template <int Number, class T>
consteval std::array<std::uint8_t, 2 + default_size<T>()> default_field_encoding() {
  constexpr auto inner = default_encoding<T>();
  static_assert(inner.size() < 0x80, "a one-byte length");
  std::array<std::uint8_t, 2 + default_size<T>()> out{};
  out[0] = static_cast<std::uint8_t>(Number << 3 | 2);
  out[1] = static_cast<std::uint8_t>(inner.size());
  for (std::size_t i = 0; i < inner.size(); ++i) out[2 + i] = inner[i];
  return out;
}

// ------------------------------------------------------------------ sizing --

template <wire_style Style, bool WithRepeated = true, class T>
[[nodiscard]] constexpr std::size_t fields_size(const T& value);

// An embedded field, tag and length included. The default's is a constant
// as a whole: choosing before length_field_size keeps the compiler from
// working out the length's varint size from a merged value.
template <wire_style Style, class T>
[[nodiscard, gnu::always_inline]] inline std::size_t embedded_field_size(const T& value) {
  if (schema::is_default(value)) return length_field_size(default_size<T>());
  return length_field_size(fields_size<Style>(value));
}

// The bytes field F of `value` takes in `Style` (0 when the style leaves it
// out). Bare: `value` is known bare (schema::is_bare), its non-scalar fields
// empty.
template <wire_style Style, bool Bare, class F, class T, class Flags>
[[nodiscard, gnu::always_inline]] constexpr std::size_t field_size(const T& value, const Flags& flags) {
  using schema::kind;
  if (!schema::is_written<F>(flags)) return 0;
  if constexpr (Bare && !schema::is_scalar<F>) {
    if constexpr (F::what == kind::embedded) return length_field_size(default_size<member_t<F, T>>());
    else return 0;
  } else if constexpr (F::what == kind::zero) {
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
      return embedded_field_size<Style>(v);
    } else {
      static_assert(F::what == kind::repeated);
      std::size_t n = 0;
      for (const auto& element : v) n += length_field_size(fields_size<Style>(element));
      return n;
    }
  }
}

// The sum over the fields, spelled as a fold over an index sequence rather
// than through a generic lambda: GCC would not inline the lambda, and then
// could not see that a style's flags are constants (etcd 3.4 writes every
// field: no test is left). One running sum rather than a + b + ...: GCC
// then keeps one accumulator instead of every term in its own register (and
// four fewer registers to save and restore per call).
template <wire_style Style, bool WithRepeated, bool Bare, class T, std::size_t... I>
[[nodiscard, gnu::always_inline]] constexpr std::size_t fields_size(const T& value, std::index_sequence<I...>) {
  using fields = schema::fields_t<T>;
  const auto flags = schema::flags_for<Style>(value);
  std::size_t n = 0;
  ((n += WithRepeated || std::tuple_element_t<I, fields>::what != schema::kind::repeated
             ? field_size<Style, Bare, std::tuple_element_t<I, fields>>(value, flags)
             : 0),
   ...);
  return n;
}

// The encoded size of `value`: the sum over its fields. Without its repeated
// fields when WithRepeated is false (a message's envelope, below).
template <wire_style Style, bool WithRepeated, class T>
[[nodiscard]] constexpr std::size_t fields_size(const T& value) {
  return fields_size<Style, WithRepeated, false>(value, schema::field_indices<T>{});
}

// The same for a value known bare, out of line: a function without calls,
// which saves and restores no registers.
template <wire_style Style, bool WithRepeated, class T>
[[nodiscard, gnu::noinline]] std::size_t bare_fields_size(const T& value) {
  return fields_size<Style, WithRepeated, true>(value, schema::field_indices<T>{});
}

// What the public sizes call: a bare value (most messages) takes the path
// without calls; the choice costs what the full path would have spent on the
// same checks, and the caller jumps to either.
template <wire_style Style, bool WithRepeated = true, class T>
[[nodiscard, gnu::always_inline]] inline std::size_t top_fields_size(const T& value) {
  if constexpr (schema::has_variable_fields<T>) {
    if (schema::is_bare(value)) return bare_fields_size<Style, WithRepeated>(value);
  }
  return fields_size<Style, WithRepeated>(value);
}

// A message's fields other than its entries (the msgappv2 decoder adds the
// entries' sizes from their record lengths).
template <wire_style Style>
[[nodiscard]] std::size_t envelope_size(const message& m) {
  return top_fields_size<Style, false>(m);
}

}  // namespace detail

// The encoded size of a value in the wire style of an etcd release. Only
// messages and entries differ between styles; etcd 3.4's when none is named.
template <wire_style Style = wire_style::etcd_3_4, schema::described T>
[[nodiscard]] std::size_t encoded_size(const T& value) {
  return detail::top_fields_size<Style>(value);
}

// The same in a style chosen at run time (a transport's wire profile).
template <schema::described T>
[[nodiscard]] std::size_t encoded_size(const T& value, wire_style style) {
  return with_style(style, [&](auto s) { return detail::top_fields_size<decltype(s)::value>(value); });
}

}  // namespace rafthttp::raftpb
