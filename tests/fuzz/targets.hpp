// The bodies of the fuzz targets, one check_<target>(input) each. The
// libFuzzer entry points (fuzz_<target>.cpp) call them, and so does the doctest
// replay of the committed corpus and reproducers (regressions.cpp). Each check
// drives the decoder the way the transport does, with its input cut as the
// first input bytes say, and aborts (libFuzzer) or throws (doctest) when an
// invariant does not hold.
//
// Input layouts (what tests/fuzz/make_corpus.py writes):
//   http_request, http_response:  [header limit][split][split] HTTP bytes...
//   protobuf:                     [type][first length: 2 bytes BE] first ‖ second
//   message_stream, msgappv2:     [frame limit][split][split] stream bytes...
#pragma once

#include "common.hpp"
#include "reference_pb.hpp"

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/codec/msgappv2.hpp>
#include <rafthttp/http/fields.hpp>
#include <rafthttp/http/parser.hpp>
#include <rafthttp/raftpb/codec.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace rafthttp::fuzz {

// Bound on the largest single allocation: this many bytes per input byte (an
// entry takes 64 bytes for the 2 input bytes it needs at least, and a vector
// may hold twice what it uses), plus 64 KiB.
inline constexpr std::size_t allocation_factor = 96;

// =============================================================== protobuf ==

namespace detail {

const char* const protobuf_type_names[] = {"message", "entry", "snapshot", "snapshot_metadata", "conf_state",
                                           "hard_state", "conf_change", "conf_change_single", "conf_change_v2"};

inline std::span<const std::uint8_t> as_span(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }

// Encodes `value`, checks the size it announced, decodes it back (equal) and
// encodes that again (the same bytes).
template <class T>
void check_round_trip(const T& value, const char* type) {
  untracked_scope untracked;
  const std::size_t size = raftpb::encoded_size(value);
  std::vector<std::uint8_t> encoded(size);
  const auto written = raftpb::encode(value, std::span(encoded));
  FUZZ_REQUIRE(written == size, type << ": encoded_size " << size << " but encode "
                                     << (written ? "wrote " + std::to_string(*written) : std::string("overflowed"))
                                     << " for " << describe(value));
  T again;
  const auto ec = raftpb::decode(as_span(encoded), again);
  FUZZ_REQUIRE(!ec, type << ": our own encoding does not decode (" << ec.message() << "): " << hex(encoded)
                         << " of " << describe(value));
  FUZZ_REQUIRE(again == value, type << ": round trip changed the value\n  before " << describe(value) << "\n  after  "
                                    << describe(again));
  FUZZ_REQUIRE(raftpb::encode(again) == encoded, type << ": re-encoding differs");
}

// Decodes `in` into `out` (as the transport does: straight from the bytes),
// then checks the verdict and the value against the reference decoder.
template <class T>
std::error_code decode_checked(std::span<const std::uint8_t> in, T& out, const char* type) {
  std::error_code ec;
  {
    const exact_copy copy(in);
    tracked_scope tracked;
    ec = raftpb::decode(copy.span(), out);
  }
  untracked_scope untracked;
  FUZZ_REQUIRE(!ec || ec == codec::errc::truncated || ec == codec::errc::malformed_protobuf,
               type << ": unexpected error " << ec.message());
  // The reference decoder is stricter than Go (and so than decode): what it
  // accepts, decode must accept with the same value. Inputs only Go's rules
  // accept (groups, wide enums, overlong varints) are checked by the round
  // trip instead.
  T expected{};
  const auto verdict = reference::merge(in, expected);
  if (verdict == reference::status::ok) {
    FUZZ_REQUIRE(!ec, type << ": decode says " << describe(ec) << ", the reference decoder accepts " << hex(in));
    FUZZ_REQUIRE(out == expected, type << ": decode and the reference decoder differ on " << hex(in)
                                       << "\n  decode    " << describe(out) << "\n  reference " << describe(expected));
  }
  return ec;
}

template <class T>
void check_protobuf_type(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second, const char* type) {
  // Each part on its own, into a fresh value.
  T a;
  if (!decode_checked(first, a, type)) check_round_trip(a, type);
  T b;
  const auto b_error = decode_checked(second, b, type);
  if (!b_error) check_round_trip(b, type);

  // Decoding into a used value (the receive path reuses its message) gives
  // what a fresh value gets, whatever the value held, even after an error.
  T reused;
  (void)decode_checked(first, reused, type);
  const auto reused_error = decode_checked(second, reused, type);
  FUZZ_REQUIRE(reused_error == b_error, type << ": into a used value: " << describe(reused_error)
                                             << ", into a fresh one: " << describe(b_error));
  if (!b_error) {
    FUZZ_REQUIRE(reused == b, type << ": decoding into a used value differs\n  fresh " << describe(b) << "\n  used  "
                                   << describe(reused));
  }
}

}  // namespace detail

inline void check_protobuf(std::span<const std::uint8_t> data) {
  if (data.size() < 3) return;
  const std::size_t first_size = std::min<std::size_t>(std::size_t{data[1]} << 8 | data[2], data.size() - 3);
  const auto first = data.subspan(3, first_size);
  const auto second = data.subspan(3 + first_size);
  reset_largest_allocation();
  const unsigned type = data[0] % std::size(detail::protobuf_type_names);
  const char* name = detail::protobuf_type_names[type];
  switch (type) {
    case 0: detail::check_protobuf_type<raftpb::message>(first, second, name); break;
    case 1: detail::check_protobuf_type<raftpb::entry>(first, second, name); break;
    case 2: detail::check_protobuf_type<raftpb::snapshot>(first, second, name); break;
    case 3: detail::check_protobuf_type<raftpb::snapshot_metadata>(first, second, name); break;
    case 4: detail::check_protobuf_type<raftpb::conf_state>(first, second, name); break;
    case 5: detail::check_protobuf_type<raftpb::hard_state>(first, second, name); break;
    case 6: detail::check_protobuf_type<raftpb::conf_change>(first, second, name); break;
    case 7: detail::check_protobuf_type<raftpb::conf_change_single>(first, second, name); break;
    default: detail::check_protobuf_type<raftpb::conf_change_v2>(first, second, name); break;
  }
  require_allocations_within(std::max(first.size(), second.size()), allocation_factor, name);
}

// ========================================================= message stream ==

namespace detail {

struct stream_outcome {
  std::vector<raftpb::message> messages;
  std::error_code error;
  std::size_t boundary = 0;  // bytes of whole records before the first incomplete one
};

inline std::string describe_outcome(const stream_outcome& o) {
  std::string out = std::to_string(o.messages.size()) + " messages, " + describe(o.error) + ", boundary " +
                    std::to_string(o.boundary);
  for (const auto& m : o.messages) out += "\n    " + describe(m);
  return out;
}

inline void require_same_outcome(const stream_outcome& expected, const stream_outcome& got, const char* what,
                                 std::span<const std::uint8_t> payload) {
  bool same = expected.error == got.error && expected.messages.size() == got.messages.size();
  for (std::size_t i = 0; same && i < got.messages.size(); ++i) same = expected.messages[i] == got.messages[i];
  FUZZ_REQUIRE(same, what << "\n  expected " << describe_outcome(expected) << "\n  got      " << describe_outcome(got)
                          << "\n  stream " << hex(payload));
}

// Feeds `payload` to `decoder` in the pieces `split` chooses; the decoder's
// allocations are tracked, not the harness's.
template <class Decoder>
stream_outcome feed_in_pieces(Decoder& decoder, std::span<const std::uint8_t> payload, splitter& split) {
  stream_outcome out;
  bool failed = false;
  std::size_t at = 0;
  do {
    const std::size_t n = split.next(payload.size() - at);
    const exact_copy piece(payload.subspan(at, n));
    at += n;
    {
      tracked_scope tracked;
      out.error = decoder.feed(piece.span(), [&](raftpb::message& m) {
        untracked_scope untracked;
        FUZZ_REQUIRE(!failed, "a message was delivered after an error");
        out.messages.push_back(m);
      });
    }
    if (out.error) failed = true;
  } while (at < payload.size() && !failed);
  return out;
}

}  // namespace detail

inline void check_message_stream(std::span<const std::uint8_t> data) {
  if (data.size() < 3) return;
  const std::size_t limit = stream_limit(data[0]);
  splitter split(data[1], data[2]);
  const auto payload = data.subspan(3);

  // What doc/protocol.md 6.1 says the stream holds: 8-byte big-endian length,
  // then a Message; a length above the limit is an error at once, and so is
  // a frame whose size does not fit in a size_t (a limit of SIZE_MAX means
  // "no limit", not "wrap around").
  detail::stream_outcome expected;
  {
    std::size_t at = 0;
    while (payload.size() - at >= 8) {
      const std::uint64_t length = load_be64(payload.data() + at);
      if (length > limit || length > std::numeric_limits<std::size_t>::max() - 8) {
        expected.error = codec::errc::frame_too_large;
        break;
      }
      if (length > payload.size() - at - 8) break;
      raftpb::message m;
      if ((expected.error = raftpb::decode(payload.subspan(at + 8, length), m))) break;
      expected.messages.push_back(std::move(m));
      at += 8 + length;
    }
    expected.boundary = at;
  }

  reset_largest_allocation();
  codec::message_stream_decoder decoder(limit);
  const auto got = detail::feed_in_pieces(decoder, payload, split);
  detail::require_same_outcome(expected, got, "message stream decoded unlike doc/protocol.md 6.1", payload);
  if (!got.error) {
    FUZZ_REQUIRE(decoder.at_boundary() == (expected.boundary == payload.size()),
                 "at_boundary() " << decoder.at_boundary() << " after " << payload.size() << " bytes, records end at "
                                  << expected.boundary);
  }
  require_allocations_within(payload.size(), allocation_factor, "message stream");

  // What was decoded frames again, to the same messages.
  rafthttp::detail::byte_buffer framed;
  for (const auto& m : got.messages) {
    const std::size_t n = codec::append_frame(m, framed);
    FUZZ_REQUIRE(n == raftpb::encoded_size(m), "append_frame returned " << n);
  }
  codec::message_stream_decoder again;
  detail::stream_outcome reframed;
  reframed.error = again.feed(framed.bytes(), [&](raftpb::message& m) { reframed.messages.push_back(m); });
  detail::stream_outcome want = got;
  want.error = {};
  detail::require_same_outcome(want, reframed, "re-framed messages decode differently", framed.bytes());
  FUZZ_REQUIRE(again.at_boundary(), "re-framed stream does not end at a boundary");
}

// =============================================================== msgappv2 ==

namespace detail {

inline constexpr member_id msgappv2_local = 2;   // the decoding (dialling) peer
inline constexpr member_id msgappv2_remote = 1;  // the encoding peer

// doc/protocol.md 6.2 and the decoder's documented limits, over the whole input.
inline stream_outcome reference_msgappv2(std::span<const std::uint8_t> p, std::size_t limit) {
  stream_outcome out;
  std::uint64_t term = 0, index = 0;
  std::size_t at = 0;
  auto fail = [&](std::error_code ec) {
    out.error = ec;
    out.boundary = at;
    return out;
  };
  while (at < p.size()) {
    const std::size_t left = p.size() - at;
    const std::uint8_t type = p[at];
    if (type == 0) {
      out.messages.push_back(raftpb::link_heartbeat());
      at += 1;
      continue;
    }
    if (type != 1 && type != 2) return fail(codec::errc::unknown_record_type);
    if (left < 9) break;
    const std::uint64_t value = load_be64(p.data() + at + 1);
    if (type == 2) {
      if (value > limit || value > std::numeric_limits<std::size_t>::max() - 9) return fail(codec::errc::frame_too_large);
      if (value > left - 9) break;
      raftpb::message m;
      if (auto ec = raftpb::decode(p.subspan(at + 9, value), m)) return fail(ec);
      term = m.term;
      index = m.entries.empty() ? m.index : m.entries.back().index;
      out.messages.push_back(std::move(m));
      at += 9 + value;
      continue;
    }
    // AppEntries: count, count × (length, Entry), commit.
    const std::uint64_t count = value;
    if (count > limit / 8) return fail(codec::errc::too_many_entries);
    std::size_t offset = 9;  // within the record
    bool complete = true;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (left - offset < 8) {
        complete = false;
        break;
      }
      const std::uint64_t length = load_be64(p.data() + at + offset);
      // The record up to the end of this entry must fit in the limit.
      if (length > limit || offset + 8 > limit || length > limit - (offset + 8)) return fail(codec::errc::frame_too_large);
      if (length > left - offset - 8) {
        complete = false;
        break;
      }
      spans.emplace_back(at + offset + 8, static_cast<std::size_t>(length));
      offset += 8 + static_cast<std::size_t>(length);
    }
    if (!complete || left - offset < 8) break;
    raftpb::message m;
    m.type = raftpb::message_type::MsgApp;
    m.from = msgappv2_remote;
    m.to = msgappv2_local;
    m.term = m.log_term = term;
    m.index = index;
    for (const auto& [begin, length] : spans) {
      if (auto ec = raftpb::decode(p.subspan(begin, length), m.entries.emplace_back())) return fail(ec);
    }
    m.commit = load_be64(p.data() + at + offset);
    index += count;
    out.messages.push_back(std::move(m));
    at += offset + 8;
  }
  out.boundary = at;
  return out;
}

}  // namespace detail

inline void check_msgappv2(std::span<const std::uint8_t> data) {
  if (data.size() < 3) return;
  const std::size_t limit = stream_limit(data[0]);
  splitter split(data[1], data[2]);
  const auto payload = data.subspan(3);

  const auto expected = detail::reference_msgappv2(payload, limit);
  reset_largest_allocation();
  codec::msgappv2_decoder decoder(detail::msgappv2_local, detail::msgappv2_remote, limit);
  const auto got = detail::feed_in_pieces(decoder, payload, split);
  detail::require_same_outcome(expected, got, "msgappv2 stream decoded unlike doc/protocol.md 6.2", payload);
  if (!got.error) {
    FUZZ_REQUIRE(decoder.at_boundary() == (expected.boundary == payload.size()),
                 "at_boundary() " << decoder.at_boundary() << " after " << payload.size() << " bytes, records end at "
                                  << expected.boundary);
  }
  require_allocations_within(payload.size(), allocation_factor, "msgappv2");

  // The peer's encoder, given what was decoded, writes a stream that decodes to
  // the same messages; a link heartbeat carries nothing but its type.
  rafthttp::detail::byte_buffer encoded;
  codec::msgappv2_encoder encoder(detail::msgappv2_remote, detail::msgappv2_local);
  for (const auto& m : got.messages) (void)encoder.append(m, encoded);
  codec::msgappv2_decoder again(detail::msgappv2_local, detail::msgappv2_remote);
  detail::stream_outcome reencoded;
  reencoded.error = again.feed(encoded.bytes(), [&](raftpb::message& m) { reencoded.messages.push_back(m); });
  detail::stream_outcome want;
  for (const auto& m : got.messages)
    want.messages.push_back(raftpb::is_link_heartbeat(m) ? raftpb::link_heartbeat() : m);
  detail::require_same_outcome(want, reencoded, "re-encoded messages decode differently", encoded.bytes());
  FUZZ_REQUIRE(again.at_boundary(), "re-encoded stream does not end at a boundary");
}

// =================================================================== HTTP ==

namespace detail {

inline bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// One message as the parser presented it.
struct http_message {
  std::string head;  // a printable summary of the head
  std::string body;
  bool done = false;
};

struct http_outcome {
  std::vector<http_message> messages;
  std::error_code error;
};

inline std::string describe_outcome(const http_outcome& o) {
  std::string out = std::to_string(o.messages.size()) + " messages, " + describe(o.error);
  for (const auto& m : o.messages)
    out += "\n    " + m.head + " body " + std::to_string(m.body.size()) + (m.done ? " done" : " open");
  return out;
}

inline std::string fields_summary(const http::fields& headers) {
  std::string out;
  for (const auto& [name, value] : headers) out += hex(name, 64) + ":" + hex(value, 64) + " ";
  return out;
}

inline const http::fields& head_fields(const http::parser& p, http::parser::kind kind) {
  return kind == http::parser::kind::request ? p.request().headers : p.response().headers;
}

inline std::string summary(const http::parser& p, http::parser::kind kind) {
  std::string out;
  if (kind == http::parser::kind::request) {
    out = "[" + p.request().method + "] [" + hex(p.request().target, 64) + "]";
  } else {
    out = "[" + std::to_string(p.response().status) + "]";
  }
  const auto& headers = kind == http::parser::kind::request ? p.request().headers : p.response().headers;
  const bool keep_alive = kind == http::parser::kind::request ? p.request().keep_alive : p.response().keep_alive;
  out += " keep_alive=" + std::to_string(keep_alive) + " chunked=" + std::to_string(p.chunked()) +
         " length=" + std::to_string(p.content_length()) + " until_eof=" + std::to_string(p.body_until_eof()) + " {";
  for (const auto& [name, value] : headers) out += hex(name, 32) + ":" + hex(value, 32) + " ";
  return out + "}";
}

// What a head must satisfy whatever the bytes were.
inline void check_head(const http::parser& p, http::parser::kind kind, std::size_t limit) {
  const bool request = kind == http::parser::kind::request;
  const auto& headers = request ? p.request().headers : p.response().headers;
  std::size_t counted = 0;
  if (request) {
    FUZZ_REQUIRE(!p.request().method.empty(), "a request without a method");
    // The target may be empty: llhttp takes "CONNECT \n" as a request line
    // (Go answers 400; here the router answers 404).
    counted += p.request().method.size() + p.request().target.size();
    FUZZ_REQUIRE(!p.body_until_eof(), "a request body that runs until EOF");
  } else {
    // llhttp takes 1 to 3 digits ("HTTP/1.1 4 x" is status 4); Go wants 3.
    FUZZ_REQUIRE(p.response().status >= 0 && p.response().status <= 999, "status " << p.response().status);
  }
  FUZZ_REQUIRE(!(p.chunked() && p.content_length() >= 0), "both chunked and Content-Length " << p.content_length());
  for (const auto& field : headers) {
    const std::string& name = field.first;
    const std::string& value = field.second;
    counted += name.size() + value.size();
    // Go skips a field with an empty name; Go's server answers 400 "invalid
    // header name" to a name that is not a token (RFC 9110 5.1), where its
    // client keeps such a name in a response.
    FUZZ_REQUIRE(!name.empty(), "an empty header name");
    if (request) {
      FUZZ_REQUIRE(std::ranges::all_of(name, is_tchar), "header name [" << hex(name) << "] is not a token");
    } else {
      FUZZ_REQUIRE(name.find_first_of(std::string_view(":\r\n\0", 4)) == std::string::npos,
                   "header name [" << hex(name) << "] holds ':', CR, LF or NUL");
    }
    FUZZ_REQUIRE(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
                 "header value [" << hex(value) << "] holds CR, LF or NUL");
    FUZZ_REQUIRE(value.empty() || (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' &&
                                   value.back() != '\t'),
                 "header value [" << hex(value) << "] not trimmed");
    // fields: lookups are case-insensitive and find the first of a name.
    const auto first = std::ranges::find_if(headers, [&](const auto& f) { return http::iequals(f.first, name); });
    FUZZ_REQUIRE(headers.get(name) == first->second, "fields::get");
    FUZZ_REQUIRE(headers.contains(name), "fields::contains");
  }
  FUZZ_REQUIRE(counted <= limit, "head holds " << counted << " counted bytes, limit " << limit);

  // fields::set/erase on a copy.
  if (headers.size() > 0) {
    http::fields copy = headers;
    const std::string name = copy.begin()->first;
    copy.set(name, "x");
    FUZZ_REQUIRE(copy.get(name) == "x", "fields::set");
    FUZZ_REQUIRE(std::ranges::count_if(copy, [&](const auto& f) { return http::iequals(f.first, name); }) == 1,
                 "fields::set left another field of the name");
    copy.erase(name);
    FUZZ_REQUIRE(!copy.contains(name), "fields::erase");
  }

  // The head as we would write it parses back to the same head. Not for
  // method PRI: llhttp reads "PRI <target> HTTP/1.1" as the start of HTTP/2's
  // connection preface and waits for its "SM" line (a PRI request line
  // without a version, taken as HTTP/0.9, is written back with one).
  if (request && (p.request().target.empty() || p.request().method == "PRI")) return;
  std::string text;
  if (request) {
    text = http::serialize(p.request());
  } else {
    text = http::serialize(p.response());
  }
  // It may fail to parse: llhttp checks repeated Transfer-Encoding fields
  // differently when an obs-fold line came between them ("TE: chunked\r\n
  // \r\nTE: chunked\r\n x" passes the head, the same values unfolded do
  // not), and a request line llhttp took as HTTP/0.9 is written as HTTP/1.1.
  http::parser again(kind, std::numeric_limits<std::size_t>::max());
  const auto r = again.parse(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  if (r.error == http::errc::parse_error) return;
  FUZZ_REQUIRE(!r.error && r.event == http::parse_event::head,
               "the serialised head does not parse back (" << describe(r.error) << "): " << hex(text, 512));
  const auto& headers_again = request ? again.request().headers : again.response().headers;
  bool same_headers = headers.size() == headers_again.size();
  for (auto a = headers.begin(), b = headers_again.begin(); same_headers && a != headers.end(); ++a, ++b)
    same_headers = *a == *b;
  FUZZ_REQUIRE(same_headers, "the serialised head parses back to other headers: " << hex(text, 512));
  if (request) {
    FUZZ_REQUIRE(again.request().method == p.request().method && again.request().target == p.request().target,
                 "the serialised request line parses back differently: " << hex(text, 512));
  } else {
    FUZZ_REQUIRE(again.response().status == p.response().status, "the serialised status parses back differently");
  }
}

// Drives the parser as http::message_reader does: parse what is buffered,
// drop what was consumed, take the body pieces, read more when it needs more;
// at the end of the input (EOF) finish a body that runs until EOF.
inline http_outcome run_http(http::parser::kind kind, std::size_t limit, std::span<const std::uint8_t> payload,
                             splitter& split, bool check_heads) {
  http_outcome out;
  http::parser p(kind, limit);
  std::vector<std::uint8_t> buffer;  // read but not consumed
  bool in_body = false;
  std::int64_t content_length = -1;
  bool chunked = false;
  int status = 0;
  bool connect = false;
  bool until_eof = false;
  std::string fields_at_head;
  std::size_t at = 0;

  auto on_message_done = [&] {
    auto& m = out.messages.back();
    // The head handed out does not change under its reader: trailer fields
    // of a chunked body are not head fields (Go keeps them apart too).
    FUZZ_REQUIRE(fields_summary(head_fields(p, kind)) == fields_at_head,
                 "the head's fields changed after the head\n  at the head " << fields_at_head << "\n  now         "
                                                                      << fields_summary(head_fields(p, kind)));
    m.done = true;
    in_body = false;
    // llhttp reads no body for these, whatever Content-Length says: responses
    // 1xx, 204, 304; CONNECT requests (what follows is the tunnel's bytes).
    const bool bodiless = kind == http::parser::kind::response
                              ? status / 100 == 1 || status == 204 || status == 304
                              : connect;
    if (content_length >= 0 && !chunked && !bodiless) {
      FUZZ_REQUIRE(m.body.size() == static_cast<std::uint64_t>(content_length),
                   "Content-Length " << content_length << " but the body has " << m.body.size() << " bytes");
    }
  };

  for (;;) {
    const std::size_t n = split.next(payload.size() - at);
    buffer.insert(buffer.end(), payload.begin() + static_cast<std::ptrdiff_t>(at),
                  payload.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    int idle_events = 0;  // events that consumed nothing, in a row
    for (;;) {
      const exact_copy view(std::span(buffer.data(), buffer.size()));
      http::parse_result r;
      {
        tracked_scope tracked;
        r = p.parse(view.span());
      }
      if (r.error) {
        FUZZ_REQUIRE(r.error == http::errc::parse_error || r.error == http::errc::header_too_large,
                     "parse error " << r.error.message());
        out.error = r.error;
        return out;
      }
      FUZZ_REQUIRE(r.consumed <= buffer.size(), "consumed " << r.consumed << " of " << buffer.size());
      if (r.event == http::parse_event::need_more)
        FUZZ_REQUIRE(r.consumed == buffer.size(), "need_more after consuming " << r.consumed << " of " << buffer.size());
      const auto* begin = view.span().data();
      for (const auto piece : p.body_pieces()) {
        FUZZ_REQUIRE(in_body, "a body piece outside a body");
        FUZZ_REQUIRE(!piece.empty(), "an empty body piece");
        FUZZ_REQUIRE(piece.data() >= begin && piece.data() + piece.size() <= begin + r.consumed,
                     "a body piece outside the consumed input");
        out.messages.back().body.append(reinterpret_cast<const char*>(piece.data()), piece.size());
      }
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      if (r.event == http::parse_event::need_more) break;
      idle_events = r.consumed == 0 ? idle_events + 1 : 0;
      FUZZ_REQUIRE(idle_events <= 2, "the parser reports events without making progress");
      if (r.event == http::parse_event::head) {
        FUZZ_REQUIRE(!in_body, "a second head before message_done");
        in_body = true;
        content_length = p.content_length();
        chunked = p.chunked();
        status = kind == http::parser::kind::response ? p.response().status : 0;
        connect = kind == http::parser::kind::request && p.request().method == "CONNECT";
        until_eof = p.body_until_eof();
        fields_at_head = fields_summary(head_fields(p, kind));
        out.messages.push_back({summary(p, kind), {}, false});
        if (check_heads) check_head(p, kind, limit);
      } else {
        FUZZ_REQUIRE(in_body, "message_done without a head");
        on_message_done();
      }
    }
    if (at == payload.size()) break;
  }
  // EOF: completes a body that runs until EOF (as the head said); a body with
  // a length (or chunks) cut short is an error. (llhttp may also read until
  // EOF where body_until_eof() said it would not: a 1xx response with a
  // Transfer-Encoding other than chunked.)
  if (in_body) {
    http::parse_result r;
    {
      tracked_scope tracked;
      r = p.finish();
    }
    FUZZ_REQUIRE(p.body_pieces().empty(), "finish() produced body pieces");
    FUZZ_REQUIRE((!r.error && r.event == http::parse_event::message_done) || r.error == http::errc::connection_closed,
                 "finish() gives " << describe(r.error) << " with event " << static_cast<int>(r.event));
    if (until_eof) {
      FUZZ_REQUIRE(!r.error, "a body until EOF did not complete at EOF: " << describe(r.error));
    }
    if (chunked || content_length >= 0) {
      FUZZ_REQUIRE(r.error, "a " << (chunked ? "chunked body" : "body with Content-Length")
                                 << " cut short by EOF completes");
    }
    if (r.error) {
      out.error = r.error;
    } else {
      on_message_done();
    }
  }
  return out;
}

inline void check_http(http::parser::kind kind, std::span<const std::uint8_t> data) {
  if (data.size() < 3) return;
  const std::size_t limit = header_limit(data[0]);
  splitter split(data[1], data[2]);
  const auto payload = data.subspan(3);

  reset_largest_allocation();
  const auto got = run_http(kind, limit, payload, split, true);
  require_allocations_within(payload.size(), allocation_factor, "http parser");
  if (split.whole()) return;

  // The same bytes in one piece: the same messages, and an error iff there
  // was one. Which error may differ: the head limit counts header bytes as
  // llhttp reports them, which a cut in the middle of a malformed field may
  // make come before the parse error. After an error a body may have shown
  // more or fewer of its bytes.
  splitter whole(0, 0);
  const auto expected = run_http(kind, limit, payload, whole, false);
  const bool both_errors_ok = static_cast<bool>(expected.error) == static_cast<bool>(got.error) &&
                              (expected.error == got.error || (expected.error != http::errc::connection_closed &&
                                                               got.error != http::errc::connection_closed));
  bool same = both_errors_ok && expected.messages.size() == got.messages.size();
  for (std::size_t i = 0; same && i < got.messages.size(); ++i) {
    const auto& a = expected.messages[i];
    const auto& b = got.messages[i];
    const bool last = i + 1 == got.messages.size();
    if (!got.error || !last) {
      same = a.head == b.head && a.body == b.body && a.done == b.done;
    } else {
      const auto& shorter = a.body.size() < b.body.size() ? a.body : b.body;
      const auto& longer = a.body.size() < b.body.size() ? b.body : a.body;
      same = a.head == b.head && longer.starts_with(shorter);
    }
  }
  FUZZ_REQUIRE(same, "splitting the input changed what was parsed\n  whole " << describe_outcome(expected)
                                                                            << "\n  split " << describe_outcome(got)
                                                                            << "\n  input " << hex(payload, 512));
}

}  // namespace detail

inline void check_http_request(std::span<const std::uint8_t> data) { detail::check_http(http::parser::kind::request, data); }
inline void check_http_response(std::span<const std::uint8_t> data) {
  detail::check_http(http::parser::kind::response, data);
}

}  // namespace rafthttp::fuzz
