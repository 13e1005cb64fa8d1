// Malicious peers against our stream readers: a peer that answers the stream
// dial with 200 and then sends garbage, absurd length prefixes (message
// stream), absurd msgappv2 entry counts and lengths, broken HTTP framing.
// Each time the reader drops the stream with a logged error, raft gets
// nothing malformed, memory stays bounded (live heap measured, whatever the
// bytes claim), and the reader dials again.
#include "faults/common.hpp"

#include <rafthttp/codec/message_stream.hpp>

#include <random>

using namespace rafthttp;
using namespace rafthttp::test;
using namespace rafthttp::test::faults;

namespace {

using attack_fn = std::function<asio::awaitable<void>(http::exchange&)>;

struct attack {
  std::string name;
  stream_type type = stream_type::message;
  std::size_t max_frame_bytes = 1024 * 1024;  // the reader's limit
  std::vector<std::error_code> errors;        // the reader logs one of these
  attack_fn run;
  std::string log_message = {};  // or this line (and no error)
  std::vector<message> valid = {};  // what may reach raft
};

http::fields version_headers(std::string version = "3.4.23") {
  http::fields h;
  h.add("X-Server-Version", std::move(version));
  return h;
}

std::string be64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[7 - i] = static_cast<char>(v >> (8 * i));
  return out;
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Answers 200 as a stream server does, then `body` as one chunk.
attack_fn chunk_after_200(std::string body, bool end_body = false) {
  return [body = std::move(body), end_body](http::exchange& ex) -> asio::awaitable<void> {
    auto ec = co_await ex.start_chunked(200, version_headers());
    if (!ec) ec = co_await ex.write_chunk(as_bytes(body));
    if (!ec && end_body) (void)co_await ex.finish_chunked();
  };
}

// Writes `bytes` as they are, head included.
attack_fn raw(std::string bytes) {
  return [bytes = std::move(bytes)](http::exchange& ex) -> asio::awaitable<void> {
    (void)co_await ex.conn().write(asio::buffer(bytes), http::deadline_after(2s));
  };
}

const std::string chunked_200 = "HTTP/1.1 200 OK\r\nX-Server-Version: 3.4.23\r\nTransfer-Encoding: chunked\r\n\r\n";

// A peer (member 2) whose stream endpoint runs an attack on every dial of
// one stream type (the other type gets 404). Handlers keep their state
// alive themselves, so that none outlives what it uses.
class malicious_peer {
 public:
  malicious_peer(asio::io_context& ctx, stream_type target, attack_fn a)
      : state_(std::make_shared<state>(target, std::move(a))), server(ctx.get_executor(), routes) {
    routes.mount("/raft/stream/", [s = state_](http::exchange& ex) { return serve(s, ex); });
    REQUIRE_FALSE(server.listen(loopback()));
  }
  ~malicious_peer() { server.stop(); }

  [[nodiscard]] int dials() const { return state_->dials; }
  [[nodiscard]] int running() const { return state_->running; }

 private:
  struct state {
    state(stream_type t, attack_fn a) : target(t), run(std::move(a)) {}
    stream_type target;
    attack_fn run;
    int dials = 0;
    int running = 0;
  };

  static asio::awaitable<void> serve(std::shared_ptr<state> s, http::exchange& ex) {
    ex.abort();  // the connection ends with the handler, as the attack left it
    if (ex.request().path() != stream_path(s->target, 1)) {
      (void)co_await ex.respond_error(404, "not this one", version_headers());
      co_return;
    }
    ++s->dials;
    ++s->running;
    co_await s->run(ex);
    // Keeps the connection until the reader lets go of it.
    char byte;
    std::error_code ec;
    while (!ec) ec = std::get<0>(co_await ex.conn().read_some(asio::buffer(&byte, 1), http::clock::time_point::max()));
    --s->running;
  }

  std::shared_ptr<state> state_;

 public:
  http::router routes;
  http::server server;
};

bool logged(const recorded_log& log, const attack& a) {
  if (!a.log_message.empty()) return log.count(a.log_message) > 0;
  for (const auto& r : log.records) {
    const auto it = r.fields.find("error");
    if (it == r.fields.end()) continue;
    for (auto e : a.errors)
      if (it->second.find(error_text(e)) != std::string::npos) return true;
  }
  return false;
}

asio::awaitable<void> run_attack(asio::io_context& ctx, const attack& a) {
  INFO("attack: ", a.name);
  recorded_log log;
  recording_raft raft;
  memory_snapshotter snaps;
  auto options = fast_options(1);
  options.client.read_timeout = 200ms;
  options.codec.max_frame_bytes = a.max_frame_bytes;
  options.log = log.sink();
  options.min_log_level = log_level::debug;
  malicious_peer peer(ctx, a.type, a.run);
  test_transport t(ctx.get_executor(), raft, snaps, options);
  const auto mark = heap::mark();
  t.add_peer(2, url_of(peer.server.local_endpoint()));
  CO_WAIT_UNTIL(peer.dials() >= 3 && logged(log, a));  // dropped with an error, dialled again
  if (heap::tracking()) {
    const auto growth = heap::growth_since(mark);
    CHECK_MESSAGE(growth < 16 * 1024 * 1024, "live heap grew by " << growth << " bytes");
  }
  for (const auto& m : raft.processed) CHECK_MESSAGE(std::ranges::count(a.valid, m) == 1, "malformed message reached raft");
  if (!a.valid.empty()) CHECK(raft.processed.size() >= a.valid.size());
  co_await t.async_stop(asio::use_awaitable);
  peer.server.stop();
  CO_WAIT_UNTIL(peer.running() == 0);
}

message heartbeat_from_two(std::uint64_t commit) { return numbered(message_type::MsgHeartbeat, 2, 1, commit); }

std::string frames(const std::vector<message>& messages) {
  detail::byte_buffer out;
  for (const auto& m : messages) codec::append_frame(m, out);
  return {reinterpret_cast<const char*>(out.data()), out.size()};
}

}  // namespace

CORO_TEST_CASE("malicious peers: garbage and absurd length prefixes on the message stream") {
  constexpr std::uint64_t limit = 1024 * 1024;
  const std::vector<message> valid = {heartbeat_from_two(1), heartbeat_from_two(2), heartbeat_from_two(3)};
  std::vector<attack> attacks;
  attacks.push_back({"random bytes", stream_type::message, limit,
                     {codec::errc::frame_too_large, codec::errc::malformed_protobuf, codec::errc::truncated},
                     chunk_after_200(random_bytes(4096, 1))});
  attacks.push_back({"length 2^64-1", stream_type::message, limit, {codec::errc::frame_too_large},
                     chunk_after_200(be64(~std::uint64_t{0}))});
  attacks.push_back({"length 1 TiB", stream_type::message, limit, {codec::errc::frame_too_large},
                     chunk_after_200(be64(std::uint64_t{1} << 40) + "abc")});
  attacks.push_back({"length one above the limit", stream_type::message, limit, {codec::errc::frame_too_large},
                     chunk_after_200(be64(limit + 1))});
  attacks.push_back({"a frame at the limit that is no message", stream_type::message, limit,
                     {codec::errc::malformed_protobuf}, chunk_after_200(be64(limit) + std::string(limit, '\xff'))});
  // Under etcd's 512 MiB limit: memory follows what arrives, not the claim.
  attacks.push_back({"claims 400 MiB, sends 2 MiB, falls silent", stream_type::message, 512 * limit, {http::errc::timeout},
                     chunk_after_200(be64(400 * limit) + std::string(2 * limit, 'a'))});
  attacks.push_back({"valid frames, then an absurd length", stream_type::message, limit, {codec::errc::frame_too_large},
                     chunk_after_200(frames(valid) + be64(~std::uint64_t{0})), {}, valid});
  // Go: io.ErrUnexpectedEOF, which deactivates the peer.
  attacks.push_back({"the body ends inside a frame", stream_type::message, limit, {codec::errc::truncated},
                     chunk_after_200(be64(100) + std::string(10, 'a'), true)});
  for (const auto& a : attacks) co_await run_attack(ctx, a);
}

CORO_TEST_CASE("malicious peers: absurd msgappv2 records, entry counts and lengths") {
  constexpr std::uint64_t limit = 1024 * 1024;
  std::vector<attack> attacks;
  attacks.push_back({"unknown record type", stream_type::msgapp, limit, {codec::errc::unknown_record_type},
                     chunk_after_200("\x07" + random_bytes(64, 2))});
  attacks.push_back({"random bytes", stream_type::msgapp, limit,
                     {codec::errc::unknown_record_type, codec::errc::frame_too_large, codec::errc::too_many_entries,
                      codec::errc::malformed_protobuf, codec::errc::truncated},
                     chunk_after_200(random_bytes(4096, 3))});
  attacks.push_back({"AppEntries count 2^64-1", stream_type::msgapp, limit, {codec::errc::too_many_entries},
                     chunk_after_200("\x01" + be64(~std::uint64_t{0}))});
  attacks.push_back({"AppEntries count above what the limit holds", stream_type::msgapp, limit,
                     {codec::errc::too_many_entries}, chunk_after_200("\x01" + be64(limit / 8 + 1))});
  // The most entries etcd's 512 MiB limit allows: nothing is allocated for them before they arrive.
  std::string few_entries = "\x01" + be64(64 * limit);
  for (int i = 0; i < 10; ++i) few_entries += be64(0);
  attacks.push_back({"AppEntries count 64 Mi, 10 entries come, silence", stream_type::msgapp, 512 * limit,
                     {http::errc::timeout}, chunk_after_200(few_entries)});
  attacks.push_back({"AppEntries entry length 2^63", stream_type::msgapp, limit, {codec::errc::frame_too_large},
                     chunk_after_200("\x01" + be64(3) + be64(std::uint64_t{1} << 63))});
  attacks.push_back({"full message length 2^63", stream_type::msgapp, limit, {codec::errc::frame_too_large},
                     chunk_after_200("\x02" + be64(std::uint64_t{1} << 63))});
  attacks.push_back({"AppEntries entry that is no protobuf", stream_type::msgapp, limit,
                     {codec::errc::malformed_protobuf, codec::errc::truncated},
                     chunk_after_200("\x01" + be64(1) + be64(4) + "\xff\xff\xff\xff" + be64(0))});
  attacks.push_back({"the body ends inside a record", stream_type::msgapp, limit, {codec::errc::truncated},
                     chunk_after_200("\x02" + be64(100) + "abc", true)});
  for (const auto& a : attacks) co_await run_attack(ctx, a);
}

CORO_TEST_CASE("malicious peers: broken HTTP framing and heads") {
  constexpr std::uint64_t limit = 1024 * 1024;
  std::vector<attack> attacks;
  attacks.push_back({"garbage instead of a response", stream_type::message, limit, {http::errc::parse_error},
                     raw(random_bytes(4096, 4))});
  attacks.push_back({"a chunk size that is no number", stream_type::message, limit, {http::errc::parse_error},
                     raw(chunked_200 + "zz\r\n")});
  attacks.push_back({"a chunk size that overflows", stream_type::msgapp, limit, {http::errc::parse_error},
                     raw(chunked_200 + "fffffffffffffffffffffff\r\n")});
  attacks.push_back({"chunk data longer than its size", stream_type::message, limit, {http::errc::parse_error},
                     raw(chunked_200 + "2\r\n" + be64(1) + "\r\n")});
  // A 1 TiB chunk with a 300 MiB frame in it, of which 1 KiB comes.
  attacks.push_back({"a chunk claiming 1 TiB", stream_type::message, 512 * limit, {http::errc::timeout},
                     raw(chunked_200 + "10000000000\r\n" + be64(300 * limit) + std::string(1024, 'a'))});
  attacks.push_back({"a head above the client's limit", stream_type::message, limit, {http::errc::header_too_large},
                     raw("HTTP/1.1 200 OK\r\nX-Server-Version: 3.4.23\r\nX-Pad: " + std::string(128 * 1024, 'p'))});
  attacks.push_back({"a body framed by length that ends inside a frame", stream_type::message, limit,
                     {codec::errc::truncated},
                     raw("HTTP/1.1 200 OK\r\nX-Server-Version: 3.4.23\r\nContent-Length: 12\r\n\r\n" + be64(64) + "abcd")});
  attacks.push_back({"a server version that is no version", stream_type::msgapp, limit, {},
                     [](http::exchange& ex) -> asio::awaitable<void> {
                       (void)co_await ex.start_chunked(200, version_headers("garbage"));
                     },
                     "peer does not support this stream type"});
  for (const auto& a : attacks) co_await run_attack(ctx, a);
}
