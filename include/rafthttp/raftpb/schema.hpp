// The one description of raftpb's encoding: for each value type, its fields in
// field-number order, each with its number, its kind (which fixes its wire
// type), the member that holds it and, for a field some release leaves out, the
// flag of wire_style.hpp that says whether a style writes it. size.hpp and
// codec.hpp size, write, read and clear every type by walking this list, so a
// field is named here and nowhere else (raft.proto beside types.hpp is the
// schema it transcribes; tests/raftpb/reference/ holds nanopb's reading of it).
//
//   template <> struct fields_of<entry> {
//     static constexpr std::tuple fields{
//         varint<1, &entry::type, &entry_fields::type>{},  // written when the style's flag says so
//         ...
//         bytes_field<4, &entry::data>{}};                 // written when present
//   };
#pragma once

#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/raftpb/wire_style.hpp>

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rafthttp::raftpb::schema {

enum class kind : std::uint8_t {
  varint,    // uint64, bool or enum; wire type 0
  bytes,     // a `bytes` member, written iff present; wire type 2
  varints,   // repeated uint64: written unpacked (as Go does), read packed or not
  embedded,  // one embedded message; wire type 2
  repeated,  // repeated embedded message: one field per element
  zero,      // no member: a varint 0 a release writes (3.6's vote); read as an unknown field
};

// A field with no style flag: always written (a bytes field: whenever present).
inline constexpr std::nullptr_t always = nullptr;

template <int Number, kind Kind, auto Member, auto Written = always>
struct field {
  static_assert(Number > 0 && Number < 16, "raftpb tags are one byte: field numbers below 16");
  static constexpr int number = Number;
  static constexpr kind what = Kind;
  static constexpr auto member = Member;
  static constexpr auto written = Written;
};

template <int N, auto Member, auto Written = always>
using varint = field<N, kind::varint, Member, Written>;
template <int N, auto Member>
using bytes_field = field<N, kind::bytes, Member>;
template <int N, auto Member>
using varints = field<N, kind::varints, Member>;
template <int N, auto Member, auto Written = always>
using embedded = field<N, kind::embedded, Member, Written>;
template <int N, auto Member>
using repeated = field<N, kind::repeated, Member>;
template <int N, auto Written>
using zero = field<N, kind::zero, nullptr, Written>;

// fields_of<T>::fields: the fields of T, a tuple of the descriptors above.
template <class T>
struct fields_of;

template <class T>
concept described = requires { fields_of<T>::fields; };

template <>
struct fields_of<entry> {
  using w = entry_fields;
  static constexpr std::tuple fields{varint<1, &entry::type, &w::type>{}, varint<2, &entry::term, &w::term>{},
                                     varint<3, &entry::index, &w::index>{}, bytes_field<4, &entry::data>{}};
};

template <>
struct fields_of<conf_state> {
  static constexpr std::tuple fields{varints<1, &conf_state::voters>{}, varints<2, &conf_state::learners>{},
                                     varints<3, &conf_state::voters_outgoing>{},
                                     varints<4, &conf_state::learners_next>{}, varint<5, &conf_state::auto_leave>{}};
};

template <>
struct fields_of<snapshot_metadata> {
  static constexpr std::tuple fields{embedded<1, &snapshot_metadata::conf_state>{},
                                     varint<2, &snapshot_metadata::index>{}, varint<3, &snapshot_metadata::term>{}};
};

template <>
struct fields_of<snapshot> {
  static constexpr std::tuple fields{bytes_field<1, &snapshot::data>{}, embedded<2, &snapshot::metadata>{}};
};

// Field 13 is raft v3.6's `vote`, which rafthttp's messages do not carry: 3.6
// writes it as 0, and every style reads it as an unknown field.
template <>
struct fields_of<message> {
  using w = message_fields;
  static constexpr std::tuple fields{
      varint<1, &message::type>{},
      varint<2, &message::to, &w::to>{},
      varint<3, &message::from, &w::from>{},
      varint<4, &message::term, &w::term>{},
      varint<5, &message::log_term, &w::log_term>{},
      varint<6, &message::index, &w::index>{},
      repeated<7, &message::entries>{},
      varint<8, &message::commit, &w::commit>{},
      embedded<9, &message::snapshot, &w::snapshot>{},
      varint<10, &message::reject, &w::reject>{},
      varint<11, &message::reject_hint, &w::reject_hint>{},
      bytes_field<12, &message::context>{},
      zero<13, &w::vote>{},
  };
};

template <>
struct fields_of<hard_state> {
  static constexpr std::tuple fields{varint<1, &hard_state::term>{}, varint<2, &hard_state::vote>{},
                                     varint<3, &hard_state::commit>{}};
};

template <>
struct fields_of<conf_change> {
  static constexpr std::tuple fields{varint<1, &conf_change::id>{}, varint<2, &conf_change::type>{},
                                     varint<3, &conf_change::node_id>{}, bytes_field<4, &conf_change::context>{}};
};

template <>
struct fields_of<conf_change_single> {
  static constexpr std::tuple fields{varint<1, &conf_change_single::type>{},
                                     varint<2, &conf_change_single::node_id>{}};
};

template <>
struct fields_of<conf_change_v2> {
  static constexpr std::tuple fields{varint<1, &conf_change_v2::transition>{}, repeated<2, &conf_change_v2::changes>{},
                                     bytes_field<3, &conf_change_v2::context>{}};
};

// The tuple type of T's descriptors, and an index sequence over them: the
// codec folds over the indices with always-inline helpers, so that a whole
// message's fields end up in one function (see size.hpp's fields_size).
template <described T>
using fields_t = std::remove_cvref_t<decltype(fields_of<T>::fields)>;
template <described T>
using field_indices = std::make_index_sequence<std::tuple_size_v<fields_t<T>>>;

// Calls f(descriptor) for each field of T, in number order.
template <described T, class F>
constexpr void for_each_field(F&& f) {
  std::apply([&](auto... d) { (f(d), ...); }, fields_of<T>::fields);
}

// Whether `value` equals T{}: every field zero, absent or empty.
template <described T>
[[nodiscard]] constexpr bool is_default(const T& value);

template <class F, class T>
[[nodiscard, gnu::always_inline]] constexpr bool is_default_field(const T& value) {
  if constexpr (F::what == kind::zero) {
    return true;
  } else {
    const auto& v = value.*F::member;
    if constexpr (F::what == kind::varint) return v == std::remove_cvref_t<decltype(v)>{};
    else if constexpr (F::what == kind::bytes) return !v.has_value();
    else if constexpr (F::what == kind::embedded) return is_default(v);
    else return v.empty();
  }
}

template <class T, std::size_t... I>
[[nodiscard, gnu::always_inline]] constexpr bool is_default(const T& value, std::index_sequence<I...>) {
  return (is_default_field<std::tuple_element_t<I, fields_t<T>>>(value) && ...);
}

template <described T>
[[nodiscard]] constexpr bool is_default(const T& value) {
  return is_default(value, field_indices<T>{});
}

// Whether T has fields other than scalars (bytes, lists, embedded messages),
// and whether all of those are empty in `value`: no bytes, no elements, the
// embedded values default. Most messages raft sends are such bare values (no
// entries, snapshot or context); sizing and encoding them needs no memcpy
// and no nested size, and codec.hpp and size.hpp give them a path without
// calls (see encode).
template <class F>
inline constexpr bool is_scalar = F::what == kind::varint || F::what == kind::zero;

template <described T>
inline constexpr bool has_variable_fields =
    std::apply([](auto... d) { return (!is_scalar<decltype(d)> || ...); }, fields_of<T>::fields);

template <class T, std::size_t... I>
[[nodiscard, gnu::always_inline]] constexpr bool is_bare(const T& value, std::index_sequence<I...>) {
  return ((is_scalar<std::tuple_element_t<I, fields_t<T>>> ||
           is_default_field<std::tuple_element_t<I, fields_t<T>>>(value)) &&
          ...);
}

template <described T>
[[nodiscard, gnu::always_inline]] constexpr bool is_bare(const T& value) {
  return is_bare(value, field_indices<T>{});
}

// ----------------------------------------------------- the style's choices --

// The flags a style sets for `value` (wire_style.hpp's fields_written); types
// that every release writes alike have none (every field is `always`).
struct no_flags {};

template <wire_style Style, class T>
[[nodiscard, gnu::always_inline]] constexpr auto flags_for(const T& value) {
  if constexpr (requires { fields_written<Style>(value); }) return fields_written<Style>(value);
  else return no_flags{};
}

// Whether the field F is written under `flags` (bytes fields: then only when present).
template <class F, class Flags>
[[nodiscard, gnu::always_inline]] constexpr bool is_written(const Flags& flags) {
  if constexpr (std::is_null_pointer_v<decltype(F::written)>) return true;
  else return flags.*F::written;
}

}  // namespace rafthttp::raftpb::schema
