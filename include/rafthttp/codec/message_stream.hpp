// The "message" stream encoding (PROTOCOL.md 6.1): each message as an 8-byte
// big-endian length followed by its protobuf encoding. The same framing starts
// the body of POST /raft/snapshot.
#pragma once

#include <rafthttp/detail/byte_buffer.hpp>
#include <rafthttp/detail/record_assembler.hpp>
#include <rafthttp/error.hpp>
#include <rafthttp/options.hpp>
#include <rafthttp/raftpb/codec.hpp>

#include <span>
#include <system_error>

namespace rafthttp::codec {

inline constexpr std::size_t frame_header_bytes = 8;

// Bytes of one frame of `m`.
[[nodiscard]] inline std::size_t frame_size(const message& m) {
  return frame_header_bytes + raftpb::encoded_size(m);
}

// Appends one frame of `m` to `out`; returns the protobuf size (what etcd's
// sent-bytes metric counts).
inline std::size_t append_frame(const message& m, detail::byte_buffer& out) {
  const std::size_t n = raftpb::encoded_size(m);
  std::uint8_t* at = out.grow(frame_header_bytes + n);
  detail::store_be64(at, n);
  raftpb::encode(m, std::span(at + frame_header_bytes, n));
  return n;
}

// Incremental decoder for one stream connection. Feed it bytes as they arrive;
// it calls `on_message(message&)` for each frame (the message object is reused:
// take what you keep, e.g. by swap or move). A frame above the limit, or one
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

 private:
  template <class OnMessage>
  detail::parse_step parse(std::span<const std::uint8_t> bytes, OnMessage& on_message) {
    using detail::parse_step;
    if (bytes.size() < frame_header_bytes) return parse_step::need(frame_header_bytes);
    const std::uint64_t length = detail::load_be64(bytes.data());
    if (length > max_frame_bytes_) return parse_step::fail(errc::frame_too_large);
    const std::size_t total = frame_header_bytes + static_cast<std::size_t>(length);
    if (bytes.size() < total) return parse_step::need(total);
    if (auto ec = raftpb::decode(bytes.subspan(frame_header_bytes, length), message_)) return parse_step::fail(ec);
    on_message(message_);
    return parse_step::done(total);
  }

  std::size_t max_frame_bytes_;
  detail::record_assembler assembler_;
  message message_;
};

}  // namespace rafthttp::codec
