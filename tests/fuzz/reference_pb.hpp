// An independent, deliberately plain decoder of the raftpb wire format, written
// from the protobuf encoding rules and the contract in raftpb/codec.hpp's
// header comment, to decode differentially against raftpb::decode:
//
//  * fields in any order; the last value of a scalar wins; a bytes field
//    appearing twice keeps the last; an embedded message appearing twice is
//    merged (proto2); each element of a repeated message is a new element;
//  * repeated uint64 (ConfState) packed or unpacked (wire type 0 or 2 only);
//  * unknown fields of wire types 0, 1, 2, 5 are skipped;
//  * errors: truncation, varints longer than 10 bytes or whose 10th byte
//    carries bits beyond 64, wire types 3/4 (groups), 6, 7, field number 0,
//    field numbers of 2^29 and above, a known field with another wire type,
//    enum and bool values that do not fit in 32 bits, an embedded message
//    that does not fill its length exactly.
//
// It is stricter than Go's rules, which raftpb::decode follows (groups
// skipped, enums truncated to 32 bits, overlong varints...): whatever it
// accepts, raftpb::decode must accept with the same value; what only Go's
// rules accept is held to the round trip instead.
#pragma once

#include <rafthttp/raftpb/types.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace rafthttp::fuzz::reference {

enum class status { ok, truncated, malformed };

struct field {
  std::uint32_t number = 0;
  unsigned wire_type = 0;
  std::uint64_t value = 0;                  // wire types 1, 5
  std::span<const std::uint8_t> payload;    // wire type 2; wire type 0: the varint's bytes
};

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> in) : at_(in.data()), end_(in.data() + in.size()) {}

  [[nodiscard]] bool done() const { return at_ == end_; }

  status varint(std::uint64_t& v) {
    v = 0;
    for (int i = 0; i < 10; ++i) {
      if (at_ == end_) return status::truncated;
      const std::uint8_t byte = *at_++;
      if (i == 9 && byte > 1) return status::malformed;  // bits beyond 64, or an 11th byte
      v |= std::uint64_t{byte & 0x7fu} << (7 * i);
      if ((byte & 0x80) == 0) return status::ok;
    }
    return status::malformed;  // unreachable: the 10th byte either ends or fails
  }

  // A tag, or a bool: a varint that fits in 32 bits (stricter than Go,
  // which takes int32(wire >> 3) of any 64-bit tag and any bool value).
  status varint32(std::uint32_t& v) {
    std::uint64_t wide = 0;
    if (auto s = varint(wide); s != status::ok) return s;
    if (wide > 0xffffffffu) return status::malformed;
    v = static_cast<std::uint32_t>(wide);
    return status::ok;
  }

  // An unknown field's varint: at most 10 bytes, as Go's skipRaft.
  status skip_varint() {
    for (int i = 0; i < 10; ++i) {
      if (at_ == end_) return status::truncated;
      if ((*at_++ & 0x80) == 0) return status::ok;
    }
    return status::malformed;
  }

  status fixed(std::size_t n, std::uint64_t& v) {
    if (static_cast<std::size_t>(end_ - at_) < n) return status::truncated;
    v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{at_[i]} << (8 * i);
    at_ += n;
    return status::ok;
  }

  status next(field& f) {
    std::uint32_t tag = 0;  // so field numbers are below 2^29
    if (auto s = varint32(tag); s != status::ok) return s;
    f.number = tag >> 3;
    f.wire_type = static_cast<unsigned>(tag & 7);
    if (f.number == 0) return status::malformed;
    switch (f.wire_type) {
      case 0: {
        // Read as a 64-bit varint when the field is known (see raw_varint).
        const auto* begin = at_;
        const auto s = skip_varint();
        f.payload = {begin, static_cast<std::size_t>(at_ - begin)};  // the varint's bytes
        return s;
      }
      case 1: return fixed(8, f.value);
      case 5: return fixed(4, f.value);
      case 2: {
        std::uint64_t n = 0;
        if (auto s = varint(n); s != status::ok) return s;
        if (n > static_cast<std::uint64_t>(end_ - at_)) return status::truncated;
        f.payload = {at_, static_cast<std::size_t>(n)};
        at_ += n;
        return status::ok;
      }
      default: return status::malformed;  // groups, 6, 7
    }
  }

 private:
  const std::uint8_t* at_;
  const std::uint8_t* end_;
};

// Calls on_field(const field&) -> status for every field of `in`.
template <class OnField>
status walk(std::span<const std::uint8_t> in, OnField&& on_field) {
  reader r(in);
  while (!r.done()) {
    field f;
    if (auto s = r.next(f); s != status::ok) return s;
    if (auto s = on_field(f); s != status::ok) return s;
  }
  return status::ok;
}

// The value of a known varint field: at most 10 bytes, at most 64 bits.
inline status raw_varint(const field& f, std::uint64_t& out) {
  if (f.wire_type != 0) return status::malformed;
  reader r(f.payload);
  if (auto s = r.varint(out); s != status::ok) return s;
  return r.done() ? status::ok : status::malformed;
}

inline status u64(const field& f, std::uint64_t& out) { return raw_varint(f, out); }

template <class Enum>
status enumeration(const field& f, Enum& out) {
  std::uint64_t v = 0;
  if (auto s = raw_varint(f, v); s != status::ok) return s;
  if (v > 0xffffffffu) return status::malformed;
  out = static_cast<Enum>(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)));
  return status::ok;
}

inline status boolean(const field& f, bool& out) {
  if (f.wire_type != 0) return status::malformed;
  reader r(f.payload);
  std::uint32_t v = 0;
  if (auto s = r.varint32(v); s != status::ok) return s;
  out = v != 0;
  return status::ok;
}

inline status bytes(const field& f, raftpb::bytes& out) {
  if (f.wire_type != 2) return status::malformed;
  out = std::string_view(reinterpret_cast<const char*>(f.payload.data()), f.payload.size());
  return status::ok;
}

inline status u64_list(const field& f, std::vector<std::uint64_t>& out) {
  if (f.wire_type == 0) {
    std::uint64_t v = 0;
    if (auto s = raw_varint(f, v); s != status::ok) return s;
    out.push_back(v);
    return status::ok;
  }
  if (f.wire_type != 2) return status::malformed;
  reader r(f.payload);
  while (!r.done()) {
    std::uint64_t v = 0;
    if (auto s = r.varint(v); s != status::ok) return s;
    out.push_back(v);
  }
  return status::ok;
}

// Decodes into `out` without clearing it first (merging).
inline status merge(std::span<const std::uint8_t> in, raftpb::entry& out);
inline status merge(std::span<const std::uint8_t> in, raftpb::conf_state& out);
inline status merge(std::span<const std::uint8_t> in, raftpb::snapshot_metadata& out);
inline status merge(std::span<const std::uint8_t> in, raftpb::snapshot& out);
inline status merge(std::span<const std::uint8_t> in, raftpb::message& out);
inline status merge(std::span<const std::uint8_t> in, raftpb::hard_state& out);
inline status merge(std::span<const std::uint8_t> in, raftpb::conf_change& out);
inline status merge(std::span<const std::uint8_t> in, raftpb::conf_change_single& out);
inline status merge(std::span<const std::uint8_t> in, raftpb::conf_change_v2& out);

template <class T>
status message_field(const field& f, T& out) {
  if (f.wire_type != 2) return status::malformed;
  return merge(f.payload, out);
}

template <class T>
status repeated_message_field(const field& f, std::vector<T>& out) {
  if (f.wire_type != 2) return status::malformed;
  return merge(f.payload, out.emplace_back());
}

inline status merge(std::span<const std::uint8_t> in, raftpb::entry& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return enumeration(f, out.type);
      case 2: return u64(f, out.term);
      case 3: return u64(f, out.index);
      case 4: return bytes(f, out.data);
      default: return status::ok;
    }
  });
}

inline status merge(std::span<const std::uint8_t> in, raftpb::conf_state& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return u64_list(f, out.voters);
      case 2: return u64_list(f, out.learners);
      case 3: return u64_list(f, out.voters_outgoing);
      case 4: return u64_list(f, out.learners_next);
      case 5: return boolean(f, out.auto_leave);
      default: return status::ok;
    }
  });
}

inline status merge(std::span<const std::uint8_t> in, raftpb::snapshot_metadata& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return message_field(f, out.conf_state);
      case 2: return u64(f, out.index);
      case 3: return u64(f, out.term);
      default: return status::ok;
    }
  });
}

inline status merge(std::span<const std::uint8_t> in, raftpb::snapshot& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return bytes(f, out.data);
      case 2: return message_field(f, out.metadata);
      default: return status::ok;
    }
  });
}

inline status merge(std::span<const std::uint8_t> in, raftpb::message& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return enumeration(f, out.type);
      case 2: return u64(f, out.to);
      case 3: return u64(f, out.from);
      case 4: return u64(f, out.term);
      case 5: return u64(f, out.log_term);
      case 6: return u64(f, out.index);
      case 7: return repeated_message_field(f, out.entries);
      case 8: return u64(f, out.commit);
      case 9: return message_field(f, out.snapshot);
      case 10: return boolean(f, out.reject);
      case 11: return u64(f, out.reject_hint);
      case 12: return bytes(f, out.context);
      default: return status::ok;
    }
  });
}

inline status merge(std::span<const std::uint8_t> in, raftpb::hard_state& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return u64(f, out.term);
      case 2: return u64(f, out.vote);
      case 3: return u64(f, out.commit);
      default: return status::ok;
    }
  });
}

inline status merge(std::span<const std::uint8_t> in, raftpb::conf_change& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return u64(f, out.id);
      case 2: return enumeration(f, out.type);
      case 3: return u64(f, out.node_id);
      case 4: return bytes(f, out.context);
      default: return status::ok;
    }
  });
}

inline status merge(std::span<const std::uint8_t> in, raftpb::conf_change_single& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return enumeration(f, out.type);
      case 2: return u64(f, out.node_id);
      default: return status::ok;
    }
  });
}

inline status merge(std::span<const std::uint8_t> in, raftpb::conf_change_v2& out) {
  return walk(in, [&](const field& f) {
    switch (f.number) {
      case 1: return enumeration(f, out.transition);
      case 2: return repeated_message_field(f, out.changes);
      case 3: return bytes(f, out.context);
      default: return status::ok;
    }
  });
}

}  // namespace rafthttp::fuzz::reference
