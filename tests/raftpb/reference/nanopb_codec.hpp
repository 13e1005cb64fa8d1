// The tests' reference for the raftpb codec: nanopb's runtime and the
// descriptors it generates from raft.proto (beside this file), a schema-driven
// implementation written independently of include/rafthttp/raftpb/codec.hpp.
// The library uses only the hand-written codec (nanopb's descriptor walking was
// more than half of the CPU per message in the benchmarks) and does not link
// nanopb; the tests check the two codecs against each other and against Go's
// vectors.
//
//   raftpb::nanopb::encode(m, buffer);          // encoded_size(m) bytes
//   std::error_code ec = raftpb::nanopb::decode(bytes, m);
//
// Encoding follows Go 3.4: fields in number order, every non-nullable field even
// when zero (Message.snapshot included), bytes fields iff present. Decoding
// accepts any field order, packed or unpacked lists, unknown fields (3.6's vote
// and responses, for one) and merges repeated embedded messages; it rejects
// truncation, bad varints, wrong wire types of known fields and group wire types.
// Stricter than Go on input no etcd version emits (tests/raftpb/golden.cpp
// lists it): groups, field numbers above 2^29, varints whose 10th byte carries
// bits beyond 64, and enum or bool values wider than 32 bits are errors, where
// Go skips, drops or truncates. A zero tag is an error, as in Go (nanopb alone
// would take it for the end of the message).
#pragma once

#include <rafthttp/error.hpp>
#include <rafthttp/raftpb/codec.hpp>
#include <rafthttp/raftpb/size.hpp>
#include <rafthttp/raftpb/types.hpp>

#include "raft.pb.h"
#include <pb_decode.h>
#include <pb_encode.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace rafthttp::raftpb::nanopb {

namespace detail {

// nanopb's structs hold enums as C enums, which may not hold values outside
// their range in C++: copy the storage as int32 both ways.
template <class E>
std::int32_t enum_bits(const E& e) {
  static_assert(sizeof(E) == sizeof(std::int32_t));
  std::int32_t v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

template <class E, class V>
void set_enum_bits(E& e, V value) {
  static_assert(sizeof(E) == sizeof(std::int32_t));
  const auto v = static_cast<std::int32_t>(value);
  std::memcpy(&e, &v, sizeof v);
}

// ---------------------------------------------------------------- encoding --
// Callbacks write embedded messages with their length from encoded_size(), so
// nanopb never runs a sizing pass and every byte is produced once.

template <class T>
bool encode_fields(pb_ostream_t* stream, const T& value);

inline pb_callback_t encoder(bool (*fn)(pb_ostream_t*, const pb_field_t*, void* const*), const void* arg) {
  pb_callback_t callback{};
  callback.funcs.encode = fn;
  callback.arg = const_cast<void*>(arg);
  return callback;
}

template <class T>
bool encode_embedded(pb_ostream_t* stream, const pb_field_t* field, const T& value) {
  return pb_encode_tag_for_field(stream, field) && pb_encode_varint(stream, encoded_size(value)) &&
         encode_fields(stream, value);
}

template <class T>
bool encode_message_callback(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  return encode_embedded(stream, field, *static_cast<const T*>(*arg));
}

template <class T>
bool encode_repeated_callback(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  for (const auto& value : *static_cast<const std::vector<T>*>(*arg))
    if (!encode_embedded(stream, field, value)) return false;
  return true;
}

// Go 3.4 writes repeated uint64 unpacked: one tag per element.
inline bool encode_varints_callback(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  for (auto v : *static_cast<const std::vector<std::uint64_t>*>(*arg))
    if (!pb_encode_tag_for_field(stream, field) || !pb_encode_varint(stream, v)) return false;
  return true;
}

inline bool encode_bytes_callback(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const auto& b = *static_cast<const bytes*>(*arg);
  return pb_encode_tag_for_field(stream, field) &&
         pb_encode_string(stream, reinterpret_cast<const pb_byte_t*>(b.view().data()), b.size());
}

inline pb_callback_t bytes_encoder(const bytes& b) {
  return b.has_value() ? encoder(&encode_bytes_callback, &b) : pb_callback_t{};
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const entry& e) {
  raftpb_Entry pb = raftpb_Entry_init_zero;
  pb.has_Type = pb.has_Term = pb.has_Index = true;
  set_enum_bits(pb.Type, e.type);
  pb.Term = e.term;
  pb.Index = e.index;
  pb.Data = bytes_encoder(e.data);
  return pb_encode(stream, raftpb_Entry_fields, &pb);
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const conf_state& cs) {
  raftpb_ConfState pb = raftpb_ConfState_init_zero;
  pb.voters = encoder(&encode_varints_callback, &cs.voters);
  pb.learners = encoder(&encode_varints_callback, &cs.learners);
  pb.voters_outgoing = encoder(&encode_varints_callback, &cs.voters_outgoing);
  pb.learners_next = encoder(&encode_varints_callback, &cs.learners_next);
  pb.has_auto_leave = true;
  pb.auto_leave = cs.auto_leave;
  return pb_encode(stream, raftpb_ConfState_fields, &pb);
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const snapshot_metadata& md) {
  raftpb_SnapshotMetadata pb = raftpb_SnapshotMetadata_init_zero;
  pb.conf_state = encoder(&encode_message_callback<conf_state>, &md.conf_state);
  pb.has_index = pb.has_term = true;
  pb.index = md.index;
  pb.term = md.term;
  return pb_encode(stream, raftpb_SnapshotMetadata_fields, &pb);
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const snapshot& s) {
  raftpb_Snapshot pb = raftpb_Snapshot_init_zero;
  pb.data = bytes_encoder(s.data);
  pb.metadata = encoder(&encode_message_callback<snapshot_metadata>, &s.metadata);
  return pb_encode(stream, raftpb_Snapshot_fields, &pb);
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const message& m) {
  raftpb_Message pb = raftpb_Message_init_zero;
  pb.has_type = pb.has_to = pb.has_from = pb.has_term = pb.has_logTerm = pb.has_index = true;
  pb.has_commit = pb.has_reject = pb.has_rejectHint = true;
  set_enum_bits(pb.type, m.type);
  pb.to = m.to;
  pb.from = m.from;
  pb.term = m.term;
  pb.logTerm = m.log_term;
  pb.index = m.index;
  pb.entries = encoder(&encode_repeated_callback<entry>, &m.entries);
  pb.commit = m.commit;
  pb.snapshot = encoder(&encode_message_callback<snapshot>, &m.snapshot);
  pb.reject = m.reject;
  pb.rejectHint = m.reject_hint;
  pb.context = bytes_encoder(m.context);
  return pb_encode(stream, raftpb_Message_fields, &pb);
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const hard_state& hs) {
  raftpb_HardState pb = raftpb_HardState_init_zero;
  pb.has_term = pb.has_vote = pb.has_commit = true;
  pb.term = hs.term;
  pb.vote = hs.vote;
  pb.commit = hs.commit;
  return pb_encode(stream, raftpb_HardState_fields, &pb);
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const conf_change& cc) {
  raftpb_ConfChange pb = raftpb_ConfChange_init_zero;
  pb.has_id = pb.has_type = pb.has_node_id = true;
  pb.id = cc.id;
  set_enum_bits(pb.type, cc.type);
  pb.node_id = cc.node_id;
  pb.context = bytes_encoder(cc.context);
  return pb_encode(stream, raftpb_ConfChange_fields, &pb);
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const conf_change_single& c) {
  raftpb_ConfChangeSingle pb = raftpb_ConfChangeSingle_init_zero;
  pb.has_type = pb.has_node_id = true;
  set_enum_bits(pb.type, c.type);
  pb.node_id = c.node_id;
  return pb_encode(stream, raftpb_ConfChangeSingle_fields, &pb);
}

template <>
inline bool encode_fields(pb_ostream_t* stream, const conf_change_v2& cc) {
  raftpb_ConfChangeV2 pb = raftpb_ConfChangeV2_init_zero;
  pb.has_transition = true;
  set_enum_bits(pb.transition, cc.transition);
  pb.changes = encoder(&encode_repeated_callback<conf_change_single>, &cc.changes);
  pb.context = bytes_encoder(cc.context);
  return pb_encode(stream, raftpb_ConfChangeV2_fields, &pb);
}

// ---------------------------------------------------------------- decoding --

// The input being decoded. nanopb hands a callback field either a window of the
// input (length-delimited wire type) or a copy of a scalar on its stack; the
// window's position tells the two apart, which is how a callback rejects a
// known field sent with the wrong wire type.
struct input_range {
  const pb_byte_t* begin;
  const pb_byte_t* end;

  [[nodiscard]] bool holds(const pb_istream_t* stream) const {
    const auto* at = static_cast<const pb_byte_t*>(stream->state);
    return std::less_equal<>{}(begin, at) && std::less_equal<>{}(at, end);
  }
};

template <class T>
struct decode_target {
  T* value;
  const input_range* input;
};

// Decodes into the elements a vector already holds before appending, so that a
// reused message keeps its entries' capacity; finish() drops the unused tail.
template <class T>
struct repeated_target {
  std::vector<T>* values;
  const input_range* input;
  std::size_t used = 0;

  T& next() {
    if (used == values->size()) values->emplace_back();
    else raftpb::detail::clear_for_reuse((*values)[used]);
    return (*values)[used++];
  }
  void finish() { values->resize(used); }
};

template <class T>
bool decode_fields(pb_istream_t* stream, T& value, const input_range& input);

template <class Target>
pb_callback_t decoder(bool (*fn)(pb_istream_t*, const pb_field_t*, void**), Target& target) {
  pb_callback_t callback{};
  callback.funcs.decode = fn;
  callback.arg = &target;
  return callback;
}

// An embedded message must fill its window exactly: nanopb would stop quietly
// at a zero tag, Go reports an error, and so do we.
template <class T>
bool decode_embedded(pb_istream_t* stream, T& value, const input_range& input) {
  return input.holds(stream) && decode_fields(stream, value, input) && stream->bytes_left == 0;
}

template <class T>
bool decode_message_callback(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto& target = *static_cast<decode_target<T>*>(*arg);
  return decode_embedded(stream, *target.value, *target.input);  // merges, as proto2 does
}

template <class T>
bool decode_repeated_callback(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto& target = *static_cast<repeated_target<T>*>(*arg);
  return decode_embedded(stream, target.next(), *target.input);
}

// Called once per element, packed or not. An unpacked element arrives as a copy
// of exactly its varint; anything left over means a fixed-width wire type.
inline bool decode_varints_callback(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto& target = *static_cast<decode_target<std::vector<std::uint64_t>>*>(*arg);
  if (stream->bytes_left == 0 && target.input->holds(stream)) return true;  // an empty packed list
  std::uint64_t v = 0;
  if (!pb_decode_varint(stream, &v)) return false;
  if (!target.input->holds(stream) && stream->bytes_left != 0) return false;
  target.value->push_back(v);
  return true;
}

inline bool decode_bytes_callback(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto& target = *static_cast<decode_target<bytes>*>(*arg);
  if (!target.input->holds(stream)) return false;
  const auto* at = static_cast<const char*>(stream->state);
  const auto n = stream->bytes_left;
  target.value->emplace().assign(at, n);
  return pb_read(stream, nullptr, n);
}

// nanopb hands a callback list field any scalar wire type; Go accepts only
// varints (one element) and length-delimited (packed) for ConfState's lists.
inline bool conf_state_wire_types_valid(const pb_istream_t* stream) {
  pb_istream_t scan = pb_istream_from_buffer(static_cast<const pb_byte_t*>(stream->state), stream->bytes_left);
  while (scan.bytes_left > 0) {
    pb_wire_type_t wire_type;
    std::uint32_t tag = 0;
    bool eof = false;
    if (!pb_decode_tag(&scan, &wire_type, &tag, &eof)) return true;  // nanopb itself reports it
    if (tag >= 1 && tag <= 4 && wire_type != PB_WT_VARINT && wire_type != PB_WT_STRING) return false;
    if (!pb_skip_field(&scan, wire_type)) return true;
  }
  return true;
}

template <class PbStruct>
bool decode_struct(pb_istream_t* stream, const pb_msgdesc_t* fields, PbStruct& pb) {
  return pb_decode_ex(stream, fields, &pb, PB_DECODE_NOINIT);
}

template <>
inline bool decode_fields(pb_istream_t* stream, entry& e, const input_range& input) {
  raftpb_Entry pb = raftpb_Entry_init_zero;
  decode_target<bytes> data{&e.data, &input};
  pb.Data = decoder(&decode_bytes_callback, data);
  if (!decode_struct(stream, raftpb_Entry_fields, pb)) return false;
  if (pb.has_Type) e.type = static_cast<entry_type>(enum_bits(pb.Type));
  if (pb.has_Term) e.term = pb.Term;
  if (pb.has_Index) e.index = pb.Index;
  return true;
}

template <>
inline bool decode_fields(pb_istream_t* stream, conf_state& cs, const input_range& input) {
  if (!conf_state_wire_types_valid(stream)) return false;
  raftpb_ConfState pb = raftpb_ConfState_init_zero;
  decode_target<std::vector<std::uint64_t>> voters{&cs.voters, &input}, learners{&cs.learners, &input},
      voters_outgoing{&cs.voters_outgoing, &input}, learners_next{&cs.learners_next, &input};
  pb.voters = decoder(&decode_varints_callback, voters);
  pb.learners = decoder(&decode_varints_callback, learners);
  pb.voters_outgoing = decoder(&decode_varints_callback, voters_outgoing);
  pb.learners_next = decoder(&decode_varints_callback, learners_next);
  if (!decode_struct(stream, raftpb_ConfState_fields, pb)) return false;
  if (pb.has_auto_leave) cs.auto_leave = pb.auto_leave;
  return true;
}

template <>
inline bool decode_fields(pb_istream_t* stream, snapshot_metadata& md, const input_range& input) {
  raftpb_SnapshotMetadata pb = raftpb_SnapshotMetadata_init_zero;
  decode_target<conf_state> cs{&md.conf_state, &input};
  pb.conf_state = decoder(&decode_message_callback<conf_state>, cs);
  if (!decode_struct(stream, raftpb_SnapshotMetadata_fields, pb)) return false;
  if (pb.has_index) md.index = pb.index;
  if (pb.has_term) md.term = pb.term;
  return true;
}

template <>
inline bool decode_fields(pb_istream_t* stream, snapshot& s, const input_range& input) {
  raftpb_Snapshot pb = raftpb_Snapshot_init_zero;
  decode_target<bytes> data{&s.data, &input};
  decode_target<snapshot_metadata> md{&s.metadata, &input};
  pb.data = decoder(&decode_bytes_callback, data);
  pb.metadata = decoder(&decode_message_callback<snapshot_metadata>, md);
  return decode_struct(stream, raftpb_Snapshot_fields, pb);
}

template <>
inline bool decode_fields(pb_istream_t* stream, message& m, const input_range& input) {
  raftpb_Message pb = raftpb_Message_init_zero;
  repeated_target<entry> entries{&m.entries, &input};
  decode_target<snapshot> snap{&m.snapshot, &input};
  decode_target<bytes> context{&m.context, &input};
  pb.entries = decoder(&decode_repeated_callback<entry>, entries);
  pb.snapshot = decoder(&decode_message_callback<snapshot>, snap);
  pb.context = decoder(&decode_bytes_callback, context);
  if (!decode_struct(stream, raftpb_Message_fields, pb)) return false;
  entries.finish();
  if (pb.has_type) m.type = static_cast<message_type>(enum_bits(pb.type));
  if (pb.has_to) m.to = pb.to;
  if (pb.has_from) m.from = pb.from;
  if (pb.has_term) m.term = pb.term;
  if (pb.has_logTerm) m.log_term = pb.logTerm;
  if (pb.has_index) m.index = pb.index;
  if (pb.has_commit) m.commit = pb.commit;
  if (pb.has_reject) m.reject = pb.reject;
  if (pb.has_rejectHint) m.reject_hint = pb.rejectHint;
  return true;
}

template <>
inline bool decode_fields(pb_istream_t* stream, hard_state& hs, const input_range&) {
  raftpb_HardState pb = raftpb_HardState_init_zero;
  if (!decode_struct(stream, raftpb_HardState_fields, pb)) return false;
  if (pb.has_term) hs.term = pb.term;
  if (pb.has_vote) hs.vote = pb.vote;
  if (pb.has_commit) hs.commit = pb.commit;
  return true;
}

template <>
inline bool decode_fields(pb_istream_t* stream, conf_change& cc, const input_range& input) {
  raftpb_ConfChange pb = raftpb_ConfChange_init_zero;
  decode_target<bytes> context{&cc.context, &input};
  pb.context = decoder(&decode_bytes_callback, context);
  if (!decode_struct(stream, raftpb_ConfChange_fields, pb)) return false;
  if (pb.has_id) cc.id = pb.id;
  if (pb.has_type) cc.type = static_cast<conf_change_type>(enum_bits(pb.type));
  if (pb.has_node_id) cc.node_id = pb.node_id;
  return true;
}

template <>
inline bool decode_fields(pb_istream_t* stream, conf_change_single& c, const input_range&) {
  raftpb_ConfChangeSingle pb = raftpb_ConfChangeSingle_init_zero;
  if (!decode_struct(stream, raftpb_ConfChangeSingle_fields, pb)) return false;
  if (pb.has_type) c.type = static_cast<conf_change_type>(enum_bits(pb.type));
  if (pb.has_node_id) c.node_id = pb.node_id;
  return true;
}

template <>
inline bool decode_fields(pb_istream_t* stream, conf_change_v2& cc, const input_range& input) {
  raftpb_ConfChangeV2 pb = raftpb_ConfChangeV2_init_zero;
  repeated_target<conf_change_single> changes{&cc.changes, &input};
  decode_target<bytes> context{&cc.context, &input};
  pb.changes = decoder(&decode_repeated_callback<conf_change_single>, changes);
  pb.context = decoder(&decode_bytes_callback, context);
  if (!decode_struct(stream, raftpb_ConfChangeV2_fields, pb)) return false;
  changes.finish();
  if (pb.has_transition) cc.transition = static_cast<conf_change_transition>(enum_bits(pb.transition));
  return true;
}

[[nodiscard]] inline std::error_code decode_error(const pb_istream_t& stream) {
  const std::string_view what = PB_GET_ERROR(&stream);
  const bool ran_out = what.find("end-of-stream") != std::string_view::npos ||
                       what.find("too short") != std::string_view::npos || what == "io error";
  return ran_out ? codec::errc::truncated : codec::errc::malformed_protobuf;
}

}  // namespace detail

// Writes the encoding of `value` to `out`, which must hold encoded_size(value)
// bytes; returns the number written.
template <class T>
std::size_t encode(const T& value, std::span<std::uint8_t> out) {
  pb_ostream_t stream = pb_ostream_from_buffer(out.data(), out.size());
  [[maybe_unused]] const bool ok = detail::encode_fields(&stream, value);
  return stream.bytes_written;
}

template <class T>
[[nodiscard]] std::vector<std::uint8_t> encode(const T& value) {
  std::vector<std::uint8_t> out(encoded_size(value));
  raftpb::nanopb::encode(value, std::span(out));
  return out;
}

// Decodes `in` into `out`, replacing its contents (its capacity is kept). On
// error, `out` holds whatever was decoded before the error.
template <class T>
[[nodiscard]] std::error_code decode(std::span<const std::uint8_t> in, T& out) {
  raftpb::detail::clear_for_reuse(out);
  const detail::input_range range{in.data(), in.data() + in.size()};
  pb_istream_t stream = pb_istream_from_buffer(in.data(), in.size());
  if (!detail::decode_fields(&stream, out, range)) return detail::decode_error(stream);
  if (stream.bytes_left != 0) return codec::errc::malformed_protobuf;  // stopped at a zero tag
  return {};
}

}  // namespace rafthttp::raftpb::nanopb
