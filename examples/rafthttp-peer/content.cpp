#include "content.hpp"

#include <algorithm>

namespace peer_cli {

using rafthttp::message;
using rafthttp::message_type;
using rafthttp::raftpb::entry_type;

namespace {

constexpr std::uint64_t stream_key_multiplier = 0xD6E8FEB86659FD93;
constexpr std::uint64_t splitmix_gamma = 0x9E3779B97F4A7C15;
constexpr std::uint64_t splitmix_multiplier_1 = 0xBF58476D1CE4E5B9;
constexpr std::uint64_t splitmix_multiplier_2 = 0x94D049BB133111EB;

void store_little_endian(std::uint64_t word, std::uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(word >> (8 * i));
}

std::uint64_t load_big_endian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (const char c : bytes) v = (v << 8) | static_cast<std::uint8_t>(c);
  return v;
}

// How many entries message type `type` carries in a run with K = `k`.
std::size_t entry_count(message_type type, std::uint64_t k) {
  switch (type) {
    case message_type::MsgApp:
    case message_type::MsgProp: return k;
    case message_type::MsgReadIndex:
    case message_type::MsgReadIndexResp: return 1;
    default: return 0;
  }
}

// The single entry of MsgReadIndex(Resp) i: only Data, uint64 big-endian (i+1).
void set_read_index_entry(rafthttp::raftpb::entry& e, std::uint64_t i) {
  e.type = entry_type::EntryNormal;
  e.term = 0;
  e.index = 0;
  e.data = big_endian_bytes(i + 1);
}

}  // namespace

// ------------------------------------------------------------ byte_stream ---

byte_stream::byte_stream(std::uint64_t seed, std::uint64_t key) : state_(seed ^ (key * stream_key_multiplier)) {}

std::uint64_t byte_stream::next_word() {
  state_ += splitmix_gamma;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * splitmix_multiplier_1;
  z = (z ^ (z >> 27)) * splitmix_multiplier_2;
  return z ^ (z >> 31);
}

void byte_stream::fill(std::span<std::uint8_t> out) {
  std::size_t at = 0;
  while (at < out.size() && pending_left_ > 0) out[at++] = pending_[pending_.size() - pending_left_--];
  for (; out.size() - at >= 8; at += 8) store_little_endian(next_word(), out.data() + at);
  if (at < out.size()) {
    store_little_endian(next_word(), pending_.data());
    pending_left_ = pending_.size();
    while (at < out.size()) out[at++] = pending_[pending_.size() - pending_left_--];
  }
}

void fill_stream_bytes(std::uint64_t seed, std::uint64_t key, std::size_t n, rafthttp::raftpb::bytes& out) {
  if (n == 0) {
    out.reset();
    return;
  }
  std::string& data = out.emplace();
  data.resize(n);
  byte_stream(seed, key).fill(std::span(reinterpret_cast<std::uint8_t*>(data.data()), n));
}

std::string big_endian_bytes(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

// ------------------------------------------------------ message_generator ---

std::uint64_t message_generator::term_of(std::uint64_t i) const {
  return p_.term_every == 0 ? p_.term : p_.term + i / p_.term_every;
}

std::uint64_t message_generator::term_of_index(std::uint64_t x) const {
  if (x == 0) return 0;
  if (x < p_.start_index || p_.entries == 0) return p_.term;
  return term_of((x - p_.start_index) / p_.entries);
}

bool message_generator::rejected(std::uint64_t i) const {
  return p_.reject_every > 0 && (i + 1) % p_.reject_every == 0;
}

// K entries from log index `first`; MsgApp's carry Term/Index/Type, MsgProp's
// only their data.
void message_generator::set_entries(message& m, std::uint64_t first, bool with_log_position) const {
  for (std::uint64_t j = 0; j < p_.entries; ++j) {
    auto& e = m.entries[j];
    e.type = entry_type::EntryNormal;
    e.term = with_log_position ? m.term : 0;
    e.index = with_log_position ? first + j : 0;
    fill_stream_bytes(p_.seed, first + j, p_.entry_size, e.data);
  }
}

void message_generator::build(std::uint64_t i, message& m) const {
  auto entries = std::move(m.entries);  // keep the entries' buffers for reuse
  m = message();
  m.entries = std::move(entries);
  m.entries.resize(entry_count(p_.type, p_.entries));
  m.type = p_.type;
  m.from = p_.from;
  m.to = p_.to;

  const std::uint64_t first = p_.start_index + i * p_.entries;
  switch (p_.type) {
    case message_type::MsgApp:
      m.term = term_of(i);
      m.index = first - 1;
      m.log_term = term_of_index(m.index);
      m.commit = m.index;
      set_entries(m, first, true);
      break;
    case message_type::MsgProp:
      set_entries(m, first, false);
      break;
    case message_type::MsgHeartbeat:
      m.term = term_of(i);
      m.commit = p_.start_index + i;
      if (p_.ack_context) m.context = big_endian_bytes(i + 1);
      break;
    case message_type::MsgVote:
    case message_type::MsgPreVote:
      m.term = p_.term + i;
      m.index = p_.start_index + i;
      m.log_term = p_.term;
      break;
    case message_type::MsgVoteResp:
    case message_type::MsgPreVoteResp:
      m.term = p_.term + i;
      m.reject = rejected(i);
      break;
    case message_type::MsgAppResp:
      m.term = term_of(i);
      m.index = p_.start_index + i;
      if (rejected(i)) {
        m.reject = true;
        m.reject_hint = m.index - 1;
      }
      break;
    case message_type::MsgReadIndex:
      set_read_index_entry(m.entries[0], i);
      break;
    case message_type::MsgReadIndexResp:
      m.term = term_of(i);
      m.index = p_.start_index + i;
      set_read_index_entry(m.entries[0], i);
      break;
    default:  // MsgHeartbeatResp and every other type
      m.term = term_of(i);
      break;
  }
}

// ------------------------------------------------------------- echo, acks ---

std::optional<message> echo_reply(rafthttp::member_id self, const message& m) {
  message reply;
  reply.from = self;
  reply.to = m.from;
  reply.term = m.term;
  switch (m.type) {
    case message_type::MsgApp:
      reply.type = message_type::MsgAppResp;
      reply.index = m.entries.empty() ? m.index : m.entries.back().index;
      break;
    case message_type::MsgHeartbeat:
      reply.type = message_type::MsgHeartbeatResp;
      reply.context = m.context;
      break;
    case message_type::MsgVote:
      reply.type = message_type::MsgVoteResp;
      break;
    case message_type::MsgPreVote:
      reply.type = message_type::MsgPreVoteResp;
      break;
    case message_type::MsgReadIndex:
      reply.type = message_type::MsgReadIndexResp;
      reply.entries = m.entries;
      break;
    default:
      return std::nullopt;
  }
  return reply;
}

std::optional<message_type> ack_response_type(message_type request) {
  switch (request) {
    case message_type::MsgApp: return message_type::MsgAppResp;
    case message_type::MsgHeartbeat: return message_type::MsgHeartbeatResp;
    case message_type::MsgVote: return message_type::MsgVoteResp;
    case message_type::MsgPreVote: return message_type::MsgPreVoteResp;
    case message_type::MsgReadIndex: return message_type::MsgReadIndexResp;
    default: return std::nullopt;
  }
}

std::uint64_t ack_key(const message& m) {
  switch (m.type) {
    case message_type::MsgApp:
      return m.entries.empty() ? m.index : m.entries.back().index;
    case message_type::MsgAppResp:
      return m.index;
    case message_type::MsgHeartbeat:
    case message_type::MsgHeartbeatResp:
      return m.context.size() == 8 ? load_big_endian(m.context.view()) : 0;
    case message_type::MsgVote:
    case message_type::MsgVoteResp:
    case message_type::MsgPreVote:
    case message_type::MsgPreVoteResp:
      return m.term;
    case message_type::MsgReadIndex:
    case message_type::MsgReadIndexResp:
      if (m.entries.empty() || m.entries[0].data.size() != 8) return 0;
      return load_big_endian(m.entries[0].data.view());
    default:
      return 0;
  }
}

}  // namespace peer_cli
