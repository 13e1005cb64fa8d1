// The "message" stream encoding (doc/protocol.md 6.1): each message as an 8-byte
// big-endian length followed by its protobuf encoding. The same framing starts
// the body of POST /raft/snapshot.
#pragma once

#include <rafthttp/codec/codec_options.hpp>
#include <rafthttp/codec/error.hpp>
#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/detail/record_assembler.hpp>
#include <rafthttp/raftpb/codec.hpp>

#include <span>
#include <system_error>

namespace rafthttp::codec {

inline constexpr std::size_t frame_header_bytes = 8;

// Bytes of one frame of `m` in the wire style of an etcd release.
[[nodiscard]] inline std::size_t frame_size(const message& m, raftpb::wire_style style = raftpb::wire_style::etcd_3_4) {
  return frame_header_bytes + raftpb::encoded_size(m, style);
}

// Appends one frame of `m`, whose protobuf size in `style` the caller knows
// already. False, with nothing appended, when the encoding is not `n` bytes
// (a bug of ours: the encoder never writes past the `n` bytes reserved).
[[nodiscard]] inline bool append_frame(const message& m, std::size_t n, detail::byte_buffer& out,
                                       raftpb::wire_style style = raftpb::wire_style::etcd_3_4) {
  std::uint8_t* at = out.grow(frame_header_bytes + n);
  detail::store_be64(at, n);
  if (raftpb::encode(m, std::span(at + frame_header_bytes, n), style) == n) return true;
  out.shrink_back(frame_header_bytes + n);
  return false;
}

// Appends one frame of `m` to `out`; returns the protobuf size (what etcd's
// sent-bytes metric counts), 0 when it appended nothing (a message is never 0 bytes).
inline std::size_t append_frame(const message& m, detail::byte_buffer& out,
                         raftpb::wire_style style = raftpb::wire_style::etcd_3_4) {
  const std::size_t n = raftpb::encoded_size(m, style);
  return append_frame(m, n, out, style) ? n : 0;
}

// Parses the frame at the start of `bytes` (after `skip` bytes before its
// length: msgappv2's record type) into `m`: done(the bytes up to the frame's
// end), need(the bytes it needs at least), or fail (a length above
// `max_frame_bytes`, or not a message). The one length-prefix parser: of the
// message stream, of the snapshot body's envelope, of msgappv2's full records.
[[nodiscard]] inline detail::parse_step parse_frame(std::span<const std::uint8_t> bytes, std::size_t max_frame_bytes,
                                                    message& m, std::size_t skip = 0) {
  using detail::parse_step;
  const std::size_t header = skip + frame_header_bytes;
  if (bytes.size() < header) return parse_step::need(header);
  const std::uint64_t length = detail::load_be64(bytes.data() + skip);
  // (The second test keeps header + length from wrapping, whatever the limit.)
  if (length > max_frame_bytes || length > SIZE_MAX - header) return parse_step::fail(errc::frame_too_large);
  const std::size_t total = header + static_cast<std::size_t>(length);
  if (bytes.size() < total) return parse_step::need(total);
  if (auto ec = raftpb::decode(bytes.subspan(header, length), m)) return parse_step::fail(ec);
  return parse_step::done(total);
}

// Incremental decoder for one stream connection. Feed it bytes as they arrive;
// it calls `on_message(message&)` for each frame (the message object is reused:
// take what you keep, e.g. by swap or move); during the call,
// message_bytes() is the frame's length. A frame above the limit, or one
// that is not a valid message, is an error, after which the stream is dead.
class message_stream_decoder {
 public:
  explicit message_stream_decoder(std::size_t max_frame_bytes = codec_options{}.max_frame_bytes)
      : max_frame_bytes_(max_frame_bytes) {}

  template <class OnMessage>
  [[nodiscard]] std::error_code feed(std::span<const std::uint8_t> input, OnMessage&& on_message) {
    return assembler_.feed(input, [&](std::span<const std::uint8_t> bytes) {
      return parse(bytes, on_message);
    });
  }

  [[nodiscard]] bool at_boundary() const { return assembler_.at_boundary(); }

  // The protobuf bytes of the message being delivered (etcd's received-bytes
  // metric counts them): the frame's length. A Go receiver counts the Size()
  // of what it decoded in its own release's encoding, which is the same
  // number whenever sender and receiver are of one release (and for any
  // sender into a 3.7 receiver, whose decoding keeps the fields as sent).
  [[nodiscard]] std::size_t message_bytes() const { return message_bytes_; }

 private:
  template <class OnMessage>
  detail::parse_step parse(std::span<const std::uint8_t> bytes, OnMessage& on_message) {
    const auto step = parse_frame(bytes, max_frame_bytes_, message_);
    if (step.consumed == 0) return step;
    message_bytes_ = step.consumed - frame_header_bytes;
    on_message(message_);
    return step;
  }

  std::size_t max_frame_bytes_;
  std::size_t message_bytes_ = 0;
  detail::record_assembler assembler_;
  message message_;
};

}  // namespace rafthttp::codec
