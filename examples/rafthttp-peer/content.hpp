// Deterministic content (doc/peer-cli.md 6): the messages,
// entry data, snapshot data and DB bytes both peers derive from the same flags,
// byte for byte, so that digests can be compared across implementations.
#pragma once

#include <rafthttp/id.hpp>
#include <rafthttp/raftpb/types.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace peer_cli {

// stream(seed, key): a splitmix64 sequence emitted as little-endian 8-byte
// words. Endless; fill() continues where the previous call stopped.
class byte_stream {
 public:
  byte_stream(std::uint64_t seed, std::uint64_t key);

  void fill(std::span<std::uint8_t> out);

 private:
  std::uint64_t next_word();

  std::uint64_t state_;
  std::array<std::uint8_t, 8> pending_{};
  std::size_t pending_left_ = 0;  // unread bytes at the end of pending_
};

// The stream keys of the non-entry content.
inline constexpr std::uint64_t db_stream_key = ~std::uint64_t{0};             // 2^64-1
inline constexpr std::uint64_t snapshot_data_stream_key = ~std::uint64_t{0} - 1;  // 2^64-2

// The first n bytes of stream(seed, key) into `out`; an absent field when n is
// 0 (Go leaves a nil []byte out of the encoding).
void fill_stream_bytes(std::uint64_t seed, std::uint64_t key, std::size_t n, rafthttp::raftpb::bytes& out);

// The flags that shape the generated messages.
struct content_params {
  rafthttp::member_id from = 0;
  rafthttp::member_id to = 0;
  rafthttp::message_type type = rafthttp::message_type::MsgApp;
  std::uint64_t seed = 1;
  std::uint64_t entries = 1;      // K
  std::size_t entry_size = 64;
  std::uint64_t start_index = 1;  // S
  std::uint64_t term = 1;         // T
  std::uint64_t term_every = 0;   // E
  std::uint64_t reject_every = 0; // R
  bool ack_context = false;       // --await-acks: heartbeats carry a context
};

// Message i of a send run (the table of doc/peer-cli.md 6.3).
class message_generator {
 public:
  explicit message_generator(const content_params& params) : p_(params) {}

  // Builds message i into `m`, reusing its storage (entries, data buffers).
  void build(std::uint64_t i, rafthttp::message& m) const;

 private:
  [[nodiscard]] std::uint64_t term_of(std::uint64_t i) const;
  [[nodiscard]] std::uint64_t term_of_index(std::uint64_t x) const;
  [[nodiscard]] bool rejected(std::uint64_t i) const;
  void set_entries(rafthttp::message& m, std::uint64_t first, bool with_log_position) const;

  content_params p_;
};

// The answer of an echo peer (doc/peer-cli.md 5.2); nothing for types the
// echo does not answer.
[[nodiscard]] std::optional<rafthttp::message> echo_reply(rafthttp::member_id self, const rafthttp::message& m);

// The type an echo answers a request type with; nothing if it does not answer.
[[nodiscard]] std::optional<rafthttp::message_type> ack_response_type(rafthttp::message_type request);

// Identifies a request and its echo answer so that the two can be matched
// (as the Go peer does): MsgApp/MsgAppResp by the last entry index (the
// message Index without entries), heartbeats by their context, votes by term,
// ReadIndex by the entry data. Equal keys are matched first-in first-out.
[[nodiscard]] std::uint64_t ack_key(const rafthttp::message& m);

// uint64 big-endian, as heartbeat contexts and ReadIndex data carry it.
[[nodiscard]] std::string big_endian_bytes(std::uint64_t v);

}  // namespace peer_cli
