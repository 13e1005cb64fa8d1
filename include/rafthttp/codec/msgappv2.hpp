// The msgappv2 stream encoding (doc/protocol.md 6.2): records of a type byte,
//   0x00  link heartbeat
//   0x01  AppEntries: count, count × (length, Entry), commit
//   0x02  full message: length, Message
// with every integer a uint64 big-endian. Both ends track (term, index) from
// (0, 0) on each new connection; an AppEntries record continues the previous
// MsgApp, so steady-state appends travel without their message envelope.
#pragma once

#include <rafthttp/codec/codec_options.hpp>
#include <rafthttp/codec/error.hpp>
#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/detail/record_assembler.hpp>
#include <rafthttp/id.hpp>
#include <rafthttp/raftpb/codec.hpp>

#include <span>
#include <system_error>

namespace rafthttp::codec {

enum class msgappv2_record : std::uint8_t { link_heartbeat = 0, app_entries = 1, full_message = 2 };

// One per attached connection (a new connection starts from state (0, 0)).
class msgappv2_encoder {
 public:
  // `local` sends to `remote`; an AppEntries record is only correct for a
  // MsgApp the receiver can rebuild exactly, so the encoder checks the ids.
  // Messages and entries are encoded in the wire style of an etcd release.
  msgappv2_encoder(member_id local, member_id remote, raftpb::wire_style style = raftpb::wire_style::etcd_3_4)
      : local_(local), remote_(remote), style_(style) {}

  // Appends the record for `m`; returns the protobuf bytes it carries (for
  // etcd's sent-bytes metric: the message's size, whichever record is used),
  // 0 when it appended nothing (see below; a message is never 0 bytes).
  std::size_t append(const message& m, detail::byte_buffer& out) {
    const std::size_t n = raftpb::encoded_size(m, style_);
    return append(m, n, out) ? n : 0;
  }

  // The same for a message whose protobuf size `n` the caller knows already
  // (a full-message record needs it). False, with nothing appended and the
  // state unchanged, when an encoding is not as long as its size said (a bug
  // of ours: the encoder never writes past the bytes the size reserved).
  [[nodiscard]] bool append(const message& m, std::size_t n, detail::byte_buffer& out) {
    const std::size_t before = out.size();
    bool ok = true;
    if (raftpb::is_link_heartbeat(m)) {
      *out.grow(1) = static_cast<std::uint8_t>(msgappv2_record::link_heartbeat);
    } else if (continues_state(m)) {
      ok = append_entries(m, out);
    } else {
      ok = append_full(m, n, out);
    }
    if (!ok) out.shrink_back(out.size() - before);
    return ok;
  }

 private:
  // Go's condition (index and log term continue the state, log term == term),
  // plus what Go leaves implicit [HAZARD]: nothing the AppEntries record would
  // drop — ids, reject fields, context, snapshot — may differ from what the
  // decoder reconstructs.
  [[nodiscard]] bool continues_state(const message& m) const {
    return m.type == message_type::MsgApp && m.index == index_ && m.log_term == term_ && m.log_term == m.term &&
           m.from == local_ && m.to == remote_ && !m.reject && m.reject_hint == 0 && !m.context.has_value() &&
           m.snapshot == raftpb::snapshot{};
  }

  // Each length-prefixed encoding `n` bytes, as its length says.
  template <class T>
  [[nodiscard]] bool append_encoding(const T& value, std::size_t n, detail::byte_buffer& out) {
    std::uint8_t* at = out.grow(8 + n);
    detail::store_be64(at, n);
    return raftpb::encode(value, std::span(at + 8, n), style_) == n;
  }

  [[nodiscard]] bool append_entries(const message& m, detail::byte_buffer& out) {
    *out.grow(1) = static_cast<std::uint8_t>(msgappv2_record::app_entries);
    detail::append_be64(out, m.entries.size());
    for (const auto& e : m.entries)
      if (!append_encoding(e, raftpb::encoded_size(e, style_), out)) return false;
    detail::append_be64(out, m.commit);
    index_ += m.entries.size();
    return true;
  }

  [[nodiscard]] bool append_full(const message& m, std::size_t n, detail::byte_buffer& out) {
    *out.grow(1) = static_cast<std::uint8_t>(msgappv2_record::full_message);
    if (!append_encoding(m, n, out)) return false;
    term_ = m.term;
    index_ = m.entries.empty() ? m.index : m.entries.back().index;
    return true;
  }

  member_id local_;
  member_id remote_;
  raftpb::wire_style style_;
  std::uint64_t term_ = 0;
  std::uint64_t index_ = 0;
};

// One per dialled connection. Calls `on_message(message&)` for each record,
// link heartbeats included (the stream reader discards them). Unlike Go's, it
// fails cleanly on bad bytes: unknown record types, malformed protobuf, lengths
// above the limit and entry counts the limit cannot hold are errors.
class msgappv2_decoder {
 public:
  // `local` dialled `remote`; AppEntries records rebuild MsgApp{From: remote, To: local}.
  // `style`: the receiving member's release, whose Size() of a rebuilt MsgApp
  // etcd's received-bytes metric counts.
  msgappv2_decoder(member_id local, member_id remote,
                   std::size_t max_record_bytes = codec_options{}.max_frame_bytes,
                   raftpb::wire_style style = raftpb::wire_style::etcd_3_4)
      : local_(local), remote_(remote), max_record_bytes_(max_record_bytes), style_(style) {}

  template <class OnMessage>
  [[nodiscard]] std::error_code feed(std::span<const std::uint8_t> input, OnMessage&& on_message) {
    return assembler_.feed(input, [&](std::span<const std::uint8_t> bytes) {
      auto step = parse(bytes);
      if (step.consumed > 0) {
        on_message(message_);
        walk_ = {};
      }
      return step;
    });
  }

  [[nodiscard]] bool at_boundary() const { return assembler_.at_boundary(); }

  // The protobuf size of the message being delivered (etcd's received-bytes
  // metric counts Size() of what it decoded): a full record's length; for an
  // AppEntries record, the size of the MsgApp it stands for, from its
  // entries' lengths; for a link heartbeat, its size as a message.
  [[nodiscard]] std::size_t message_bytes() const { return message_bytes_; }

 private:
  using parse_step = detail::parse_step;
  static constexpr std::size_t header = 1 + 8;  // type byte + count or length

  parse_step parse(std::span<const std::uint8_t> bytes) {
    switch (static_cast<msgappv2_record>(bytes[0])) {
      case msgappv2_record::link_heartbeat:
        message_ = raftpb::link_heartbeat();
        message_bytes_ = link_heartbeat_bytes_;
        return parse_step::done(1);
      case msgappv2_record::app_entries: return parse_entries(bytes);
      case msgappv2_record::full_message: return parse_full(bytes);
    }
    return parse_step::fail(errc::unknown_record_type);
  }

  // A length-prefixed message after the type byte: the message stream's frame.
  parse_step parse_full(std::span<const std::uint8_t> bytes) {
    const auto step = parse_frame(bytes, max_record_bytes_, message_, 1);
    if (step.consumed == 0) return step;
    message_bytes_ = step.consumed - header;
    term_ = message_.term;
    index_ = message_.entries.empty() ? message_.index : message_.entries.back().index;
    return step;
  }

  // First checks that the whole record is there, resuming where the previous
  // call stopped (walk_), so a record cut into many pieces is walked once.
  parse_step parse_entries(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < header) return parse_step::need(header);
    const std::uint64_t count = detail::load_be64(bytes.data() + 1);
    if (count > max_record_bytes_ / 8) return parse_step::fail(errc::too_many_entries);
    if (walk_.offset == 0) walk_.offset = header;
    for (; walk_.entries < count; ++walk_.entries) {
      if (bytes.size() < walk_.offset + 8) return parse_step::need(walk_.offset + 8);
      const std::uint64_t length = detail::load_be64(bytes.data() + walk_.offset);
      // In this order, no sum can wrap whatever the limit.
      if (length > max_record_bytes_ || walk_.offset + 8 > max_record_bytes_ ||
          length > max_record_bytes_ - (walk_.offset + 8))
        return parse_step::fail(errc::frame_too_large);
      const std::size_t end = walk_.offset + 8 + static_cast<std::size_t>(length);
      if (bytes.size() < end) return parse_step::need(end);
      walk_.offset = end;
    }
    const std::size_t total = walk_.offset + 8;
    if (bytes.size() < total) return parse_step::need(total);
    if (auto ec = decode_entries(bytes, count)) return parse_step::fail(ec);
    return parse_step::done(total);
  }

  std::error_code decode_entries(std::span<const std::uint8_t> bytes, std::uint64_t count) {
    raftpb::detail::clear_for_reuse(message_);
    message_.entries.resize(count);
    std::size_t at = header;
    std::size_t entry_fields = 0;
    for (auto& e : message_.entries) {
      const std::uint64_t length = detail::load_be64(bytes.data() + at);
      if (auto ec = raftpb::decode(bytes.subspan(at + 8, length), e)) return ec;
      entry_fields += raftpb::detail::length_field_size(static_cast<std::size_t>(length));
      at += 8 + length;
    }
    message_.type = message_type::MsgApp;
    message_.from = remote_;
    message_.to = local_;
    message_.term = message_.log_term = term_;
    message_.index = index_;
    message_.commit = detail::load_be64(bytes.data() + at);
    message_bytes_ = rebuilt_message_bytes(entry_fields);
    index_ += count;
    return {};
  }

  // raftpb::encoded_size(message_, style_) of a rebuilt MsgApp, without
  // walking its entries again: their fields as received, and the fields set above.
  [[nodiscard]] std::size_t rebuilt_message_bytes(std::size_t entry_fields) const {
    return raftpb::with_style(style_, [&](auto s) {
      return raftpb::detail::envelope_size<decltype(s)::value>(message_) + entry_fields;
    });
  }

  struct walk_state {
    std::size_t offset = 0;   // bytes of the record checked so far
    std::uint64_t entries = 0;  // entries whose bytes are all there
  };

  member_id local_;
  member_id remote_;
  std::size_t max_record_bytes_;
  raftpb::wire_style style_;
  std::uint64_t term_ = 0;
  std::uint64_t index_ = 0;
  std::size_t message_bytes_ = 0;
  std::size_t link_heartbeat_bytes_ = raftpb::encoded_size(raftpb::link_heartbeat(), style_);
  walk_state walk_;
  detail::record_assembler assembler_;
  message message_;
};

}  // namespace rafthttp::codec
