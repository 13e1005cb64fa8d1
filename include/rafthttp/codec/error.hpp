// Errors of decoding what arrived from the network: protobuf (raftpb/) and
// the stream framings (codec/). A category of their own, as Beast gives each
// of its layers; each maps to a portable condition, so that
// `ec == std::errc::bad_message` holds for every malformed input.
#pragma once

#include <string>
#include <system_error>

namespace rafthttp::codec {

enum class errc {
  truncated = 1,        // input ended inside a value ("unexpected EOF" in Go)
  malformed_protobuf,   // bad varint, wrong wire type, bad tag, length overflow
  frame_too_large,      // a length prefix above the configured limit
  unknown_record_type,  // msgappv2 record type byte other than 0, 1, 2
  too_many_entries,     // msgappv2 entry count above what the input can hold
};

class error_category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "rafthttp.codec"; }

  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::truncated: return "unexpected EOF";
      case errc::malformed_protobuf: return "malformed protobuf";
      case errc::frame_too_large: return "rafthttp: error limit exceeded";
      case errc::unknown_record_type: return "unknown msgappv2 record type";
      case errc::too_many_entries: return "msgappv2 entry count exceeds the input";
    }
    return "rafthttp.codec error " + std::to_string(value);
  }

  [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
    if (static_cast<errc>(value) == errc::frame_too_large) return std::errc::message_size;
    return std::errc::bad_message;
  }
};

[[nodiscard]] inline const std::error_category& codec_category() noexcept {
  static const error_category category;
  return category;
}

[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), codec_category()};
}

}  // namespace rafthttp::codec

template <>
struct std::is_error_code_enum<rafthttp::codec::errc> : std::true_type {};
