// Stream writers and readers against hand-made peers (doc/protocol.md 4.2, 6).
// Go: TestStreamWriterAttachOutgoingConn, TestStreamWriterAttachBadOutgoingConn,
// TestStreamReaderDialRequest, TestStreamReaderDialResult,
// TestStreamReaderStopOnDial, TestStreamReaderDialDetectUnsupport, TestStream.
#include <rafthttp/stream.hpp>

#include "support/coro.hpp"
#include "support/raw_http.hpp"
#include "support/recorded_log.hpp"
#include "support/recording_raft.hpp"

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/transport.hpp>

#include <asio/detached.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using test::elapse;

namespace {

using test_transport = transport<test::recording_raft, test::memory_snapshotter>;

transport_options fast_options(member_id id) {
  transport_options o;
  o.id = id;
  o.cluster_id = 0x7b;
  o.dial_retry_interval = 20ms;
  o.link_heartbeat_interval = 50ms;
  o.client.read_timeout = 300ms;
  return o;
}

http::tcp::endpoint loopback() { return {asio::ip::make_address("127.0.0.1"), 0}; }

url_list url_of(http::tcp::endpoint e) { return *url_list::parse("http://127.0.0.1:" + std::to_string(e.port())); }

// Member 1, listening, with peer 2 at `peer2`: by default a URL where nothing
// answers, so that the streams from 2 are the test's to dial.
struct listening_member_1 {
  explicit listening_member_1(asio::io_context& ctx, transport_options options = fast_options(1),
                              const url_list& peer2 = *url_list::parse("http://127.0.0.1:1"))
      : t(ctx.get_executor(), raft, snaps, std::move(options)) {
    REQUIRE_FALSE(t.listen(loopback()));
    t.add_peer(2, peer2);
  }
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t;
};

// A peer of our own making: answers stream dials as `answer` says and records them.
struct fake_peer {
  using answer_fn = std::function<asio::awaitable<void>(http::exchange&)>;

  fake_peer(asio::io_context& ctx, answer_fn a) : answer(std::move(a)), server(ctx.get_executor(), routes) {
    routes.mount("/raft/stream/", [this](http::exchange& ex) -> asio::awaitable<void> {
      requests.push_back(ex.request());
      co_await answer(ex);
    });
    REQUIRE_FALSE(server.listen(loopback()));
  }

  answer_fn answer;
  http::router routes;
  http::server server;
  std::vector<http::request_head> requests;
};

http::fields version_headers() {
  http::fields h;
  h.add("X-Server-Version", "3.4.23");
  return h;
}

// The request with which peer 2 (cluster 7b) dials member 1's stream.
std::string peer2_dial(std::string_view type) {
  http::fields headers;
  headers.add("X-Server-From", "2");
  headers.add("X-Server-Version", "3.4.23");
  headers.add("X-Min-Cluster-Version", "3.0.0");
  headers.add("X-Etcd-Cluster-ID", "7b");
  headers.add("X-Raft-To", "1");
  return test::request_text("GET", "/raft/stream/" + std::string(type) + "/2", headers);
}

asio::awaitable<void> answer_status(http::exchange& ex, int status) {
  (void)co_await ex.respond_error(status, "nope", version_headers());
}

// Stream bodies a fake peer holds open (200, chunked) until end_all(): then
// each ends cleanly (EOF), which is no failure, and the readers dial again.
struct held_bodies {
  explicit held_bodies(asio::io_context& ctx) : ended(ctx.get_executor()) {}
  held_bodies(const held_bodies&) = delete;

  asio::awaitable<void> serve(http::exchange& ex) {
    const int mine = generation;
    (void)co_await ex.start_chunked(200, version_headers());
    while (generation == mine) co_await ended.wait();
    (void)co_await ex.finish_chunked();
  }
  void end_all() {
    ++generation;
    ended.notify();
  }

  int generation = 0;  // a body ends once the generation changed
  detail::notifier ended;
};

}  // namespace

CORO_TEST_CASE("the reader dials GET /raft/stream/<type>/<local id> with etcd's headers") {
  fake_peer peer(ctx, [](http::exchange& ex) { return answer_status(ex, 404); });
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  auto options = fast_options(1);
  options.urls = *url_list::parse("http://127.0.0.1:7");
  test_transport t(ctx.get_executor(), raft, snaps, options);
  t.add_peer(2, url_of(peer.server.local_endpoint()));
  CO_WAIT_UNTIL(peer.requests.size() >= 2);
  std::set<std::string> targets;
  for (const auto& r : peer.requests) {
    targets.insert(r.target);
    CHECK(r.method == "GET");
    CHECK(r.headers.get("X-Raft-To") == "2");
    CHECK(r.headers.get("X-Server-From") == "1");
    CHECK(r.headers.get("X-Etcd-Cluster-ID") == "7b");
    CHECK(r.headers.get("X-Server-Version") == profile_of(newest_etcd_version).server_version);
    CHECK(r.headers.get("X-Min-Cluster-Version") == "3.0.0");
    CHECK(r.headers.get("X-PeerURLs") == "http://127.0.0.1:7");
  }
  CHECK(targets.contains("/raft/stream/message/1"));
  CHECK(targets.contains("/raft/stream/msgapp/1"));
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("dial results: failures deactivate and redial at the retry rate; 410 is critical") {
  // Go's table: 200 attaches; a transport error, 202, 400, 404 and 412 do
  // not. Each failure here follows an active peer (its streams attached and
  // then ended cleanly, which is no failure), so that deactivating is its
  // doing, with its reason.
  int status = 200;
  held_bodies bodies(ctx);
  fake_peer peer(ctx, [&](http::exchange& ex) -> asio::awaitable<void> {
    if (status != 200) {
      co_await answer_status(ex, status);
      co_return;
    }
    co_await bodies.serve(ex);
  });
  test::recorded_log log;
  auto options = fast_options(1);
  options.log = log.sink();
  options.client.read_timeout = 5s;  // a held body never times out within the test
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options);
  const auto url = url_of(peer.server.local_endpoint());
  t.add_peer(2, url);
  const auto& p = *t.find_peer(2);
  constexpr std::string_view deactivated = "peer became inactive (message send to peer failed)";

  // Answers `failure` to the dials that follow an active peer's streams;
  // returns the reason the peer became inactive for.
  auto fail_after_active = [&](int failure) -> asio::awaitable<std::string> {
    status = 200;
    CO_WAIT_UNTIL(p.status().active() && p.reader_attached(stream_type::message) &&
                  p.reader_attached(stream_type::msgapp));
    const auto before = log.find(deactivated).size();
    status = failure;
    bodies.end_all();  // the readers dial again
    CO_WAIT_UNTIL(!p.status().active());
    const auto lines = log.find(deactivated);
    REQUIRE(lines.size() == before + 1);
    co_return lines.back()->fields.at("error");
  };
  for (const auto& [failure, reason] : {std::pair<int, const char*>{202, "unhandled http status 202"},
                                        {400, "unhandled http status 400"},
                                        {404, "peer failed to find local node"},
                                        {412, "precondition failed (cluster ID or version mismatch)"}}) {
    CAPTURE(failure);
    const auto why = co_await fail_after_active(failure);
    CHECK(why == reason);
  }
  CHECK(raft.critical_errors.empty());

  // Failing, two readers dial once per 20 ms each at most.
  const auto dials_before = peer.requests.size();
  co_await elapse(ctx, 300ms);
  const auto dials = peer.requests.size() - dials_before;
  CHECK(dials >= 6);
  CHECK(dials <= 2 * (300 / 20 + 2));
  CHECK_FALSE(p.status().active());

  status = 410;
  CO_WAIT_UNTIL(!raft.critical_errors.empty());
  CHECK(raft.critical_errors[0] == errc::member_removed);

  // A transport error: the URL now leads nowhere (nothing listens on port 1).
  status = 200;
  CO_WAIT_UNTIL(p.status().active() && p.reader_attached(stream_type::message) &&
                p.reader_attached(stream_type::msgapp));
  const auto before = log.find(deactivated).size();
  t.update_peer(2, *url_list::parse("http://127.0.0.1:1"));
  bodies.end_all();
  CO_WAIT_UNTIL(!p.status().active());
  const auto lines = log.find(deactivated);
  REQUIRE(lines.size() == before + 1);
  CHECK(lines.back()->fields.at("error").starts_with("failed to dial http://127.0.0.1:1: "));
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("a server without X-Server-Version (etcd 2.0) does not support streams; status stays") {
  // The peer is active (its streams attached, then ended cleanly); from then
  // on every dial is answered as etcd 2.0 would: 404 without X-Server-Version.
  // That is no failure: the peer stays active, since the same time.
  bool old_server = false;
  held_bodies bodies(ctx);
  fake_peer peer(ctx, [&](http::exchange& ex) -> asio::awaitable<void> {
    if (old_server) {
      (void)co_await ex.respond_error(404, "404 page not found");
      co_return;
    }
    co_await bodies.serve(ex);
  });
  test::recorded_log log;
  auto options = fast_options(1);
  options.log = log.sink();
  options.client.read_timeout = 5s;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, options);
  t.add_peer(2, url_of(peer.server.local_endpoint()));
  const auto& p = *t.find_peer(2);
  CO_WAIT_UNTIL(p.status().active() && p.reader_attached(stream_type::message) &&
                p.reader_attached(stream_type::msgapp));
  const auto since = p.status().since();
  old_server = true;
  bodies.end_all();
  for (const auto type : {stream_type::message, stream_type::msgapp})
    CO_WAIT_UNTIL(log.count("peer does not support this stream type", "stream-type", stream_name(type)) >= 2);
  CHECK(p.status().active());
  CHECK(p.status().since() == since);
  CHECK(log.count("peer became inactive (message send to peer failed)") == 0);
  CHECK_FALSE(p.reader_attached(stream_type::message));
  CHECK_FALSE(p.reader_attached(stream_type::msgapp));
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("a stream that falls silent times out, deactivates and is redialled; EOF is no failure") {
  int served = 0;
  bool silent = true;
  fake_peer peer(ctx, [&](http::exchange& ex) -> asio::awaitable<void> {
    ++served;
    (void)co_await ex.start_chunked(200, version_headers());
    if (silent) co_await elapse(ctx, 2s);  // no bytes: the reader's 300 ms read timeout fires
  });
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, fast_options(1));
  t.add_peer(2, url_of(peer.server.local_endpoint()));
  CO_WAIT_UNTIL(t.find_peer(2)->status().active());
  CO_WAIT_UNTIL(!t.find_peer(2)->status().active());  // the read timeout
  const auto since_silent = served;
  CO_WAIT_UNTIL(served >= since_silent + 2);  // redialled
  silent = false;  // now the server ends each body at once: EOF
  CO_WAIT_UNTIL(t.find_peer(2)->status().active());
  const auto after_eof = served;
  CO_WAIT_UNTIL(served >= after_eof + 4);
  CHECK(t.find_peer(2)->status().active());  // EOFs did not deactivate
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("malformed stream bytes end the stream; nothing malformed reaches raft") {
  // A message frame of 4 bytes that are no protobuf (a field of wire type 7,
  // which does not exist); for msgappv2, the same bytes are 7 link
  // heartbeats, then a record of type 4, which does not exist either. The
  // read timeout is far away: the stream ends for its bytes.
  const std::string garbage("\x00\x00\x00\x00\x00\x00\x00\x04\x0f\xff\xff\xff", 12);
  for (const auto& [type, expected] : {std::pair{stream_type::message, codec::errc::malformed_protobuf},
                                       std::pair{stream_type::msgapp, codec::errc::unknown_record_type}}) {
    CAPTURE(stream_name(type));
    int served = 0;
    fake_peer peer(ctx, [&](http::exchange& ex) -> asio::awaitable<void> {
      if (ex.request().path() != "/raft/stream/" + std::string(path_segment(type)) + "/1") co_return;  // 500
      ++served;
      (void)co_await ex.start_chunked(200, version_headers());
      (void)co_await ex.write_chunk({reinterpret_cast<const std::uint8_t*>(garbage.data()), garbage.size()});
      co_await elapse(ctx, 10s);
    });
    test::recorded_log log;
    auto options = fast_options(1);
    options.log = log.sink();
    options.client.read_timeout = 5s;
    test::recording_raft raft;
    test::memory_snapshotter snaps;
    test_transport t(ctx.get_executor(), raft, snaps, options);
    t.add_peer(2, url_of(peer.server.local_endpoint()));
    CO_WAIT_UNTIL(log.reader_losses(type).size() >= 3);  // each stream dropped and redialled
    CHECK(served >= 3);
    for (const auto& error : log.reader_losses(type)) CHECK(error == make_error_code(expected).message());
    CHECK(raft.processed.empty());
    CHECK_FALSE(t.find_peer(2)->reader_attached(type));
    co_await t.async_stop(asio::use_awaitable);
  }
}

CORO_TEST_CASE("a message of unknown type or to another member is dropped with a log line; the stream goes on") {
  // Each release may send what an older one does not know (raft v3.6 added
  // types 19-23, local-only; a future one may add more): raft ignores such
  // messages, so the stream that brought one must not end. A message to
  // another member is refused as etcd's server refuses it (3.4.32+).
  for (const auto type : {stream_type::message, stream_type::msgapp}) {
    CAPTURE(static_cast<int>(type));
    int served = 0;
    fake_peer peer(ctx, [&](http::exchange& ex) -> asio::awaitable<void> {
      const bool ours = ex.request().path().find(type == stream_type::message ? "/message/" : "/msgapp/") != std::string::npos;
      if (!ours) co_return;  // (answered 500 by the server: that stream stays down)
      ++served;
      (void)co_await ex.start_chunked(200, version_headers());
      detail::byte_buffer frames;
      auto add = [&](message_type t, member_id to, std::uint64_t term) {
        message m;
        m.type = t;
        m.from = 2;
        m.to = to;
        m.term = term;
        if (type == stream_type::message) {
          codec::append_frame(m, frames);
        } else {  // msgappv2: a full-message record
          *frames.grow(1) = 2;
          detail::append_be64(frames, raftpb::encoded_size(m));
          const auto bytes = raftpb::encode(m);
          frames.append(std::span(bytes));
        }
      };
      add(static_cast<message_type>(99), 1, 1);
      add(static_cast<message_type>(19), 1, 2);
      add(message_type::MsgHeartbeat, 3, 3);
      add(message_type::MsgHeartbeat, 1, 4);
      (void)co_await ex.write_chunk(frames.bytes());
      co_await elapse(ctx, 2s);
    });
    test::recording_raft raft;
    std::vector<std::string> logged;
    auto options = fast_options(1);
    options.client.read_timeout = 5s;
    options.log = [&](log_level, std::string_view text, std::span<const log_field>) { logged.emplace_back(text); };
    test::memory_snapshotter snaps;
    test_transport t(ctx.get_executor(), raft, snaps, options);
    t.add_peer(2, url_of(peer.server.local_endpoint()));
    CO_WAIT_UNTIL(raft.processed.size() == 1);
    CHECK(raft.processed[0].term == 4);
    CHECK(t.find_peer(2)->reader_attached(type));
    CHECK(served == 1);
    CHECK(std::ranges::count(logged, "ignored Raft message of a type this member does not handle") == 1);
    CHECK(std::ranges::count(logged, "rejected Raft message to mismatch member") == 1);
    co_await t.async_stop(asio::use_awaitable);
  }
}

CORO_TEST_CASE("the writer: a new connection replaces the old one, whose response ends cleanly") {
  listening_member_1 one(ctx);
  auto& t = one.t;
  auto& raft = one.raft;
  const auto& p = *t.find_peer(2);
  CHECK_FALSE(p.streams_attached(stream_type::message));

  const auto dial = peer2_dial("message");

  // First connection: read its stream until it ends.
  bool first_ended = false;
  std::string first_body;
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    const auto r = co_await test::raw_round_trip(ctx, t.local_endpoint(), dial);
    first_body = r.body;
    first_ended = r.status == 200 && r.body_complete;
  }, asio::detached);
  CO_WAIT_UNTIL(p.streams_attached(stream_type::message));

  // Sent while the first connection is attached: it carries them.
  message m;
  m.type = message_type::MsgHeartbeat;
  m.from = 1;
  m.to = 2;
  for (int i = 0; i < 3; ++i) t.send(m);

  auto second = http::connection::make(ctx.get_executor());
  REQUIRE_FALSE(co_await second->connect(
      http::tcp::resolver::results_type::create(t.local_endpoint(), "", ""), http::deadline_after(1s)));
  REQUIRE_FALSE(co_await second->write(asio::buffer(dial), http::deadline_after(1s)));
  CO_WAIT_UNTIL(first_ended);
  CHECK(first_ended);  // a clean end of the chunked body
  std::vector<message> on_first;
  codec::message_stream_decoder first_decoder;
  REQUIRE_FALSE(first_decoder.feed({reinterpret_cast<const std::uint8_t*>(first_body.data()), first_body.size()},
                                   [&](message& x) { on_first.push_back(x); }));
  CHECK(std::ranges::count(on_first, m) == 3);
  CHECK(raft.unreachable.empty());
  CHECK(p.streams_attached(stream_type::message));

  // The second connection carries what is sent now, framed as on the message stream.
  t.send(m);
  detail::byte_buffer received;
  codec::message_stream_decoder decoder;
  http::parser parser(http::parser::kind::response, 4096);
  http::message_reader reader(*second, parser, received);
  REQUIRE_FALSE(co_await reader.read_head(http::deadline_after(1s)));
  std::vector<message> got;
  while (std::ranges::count(got, m) == 0) {
    const auto [ec, piece] = co_await reader.read_body_some(1s);
    REQUIRE_FALSE(ec);
    REQUIRE_FALSE(decoder.feed(piece, [&](message& x) { got.push_back(x); }));
  }
  CHECK(raftpb::is_link_heartbeat(got.front()));  // a heartbeat first, at attach

  // Removing the peer stops the writer and ends the connection.
  t.remove_peer(2);
  std::error_code ec;
  for (;;) {
    std::span<const std::uint8_t> piece;
    std::tie(ec, piece) = co_await reader.read_body_some(1s);
    if (ec || piece.empty()) break;
  }
  CHECK((ec == http::errc::connection_closed || !ec));
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("link heartbeats keep an idle stream alive at the configured cadence") {
  listening_member_1 one(ctx);
  auto& t = one.t;
  auto conn = http::connection::make(ctx.get_executor());
  REQUIRE_FALSE(co_await conn->connect(http::tcp::resolver::results_type::create(t.local_endpoint(), "", ""),
                                       http::deadline_after(1s)));
  const auto dial = peer2_dial("msgapp");
  REQUIRE_FALSE(co_await conn->write(asio::buffer(dial), http::deadline_after(1s)));
  http::parser parser(http::parser::kind::response, 4096);
  detail::byte_buffer buffer;
  http::message_reader reader(*conn, parser, buffer);
  REQUIRE_FALSE(co_await reader.read_head(http::deadline_after(1s)));
  codec::msgappv2_decoder decoder(2, 1);
  int heartbeats = 0;
  const auto start = http::clock::now();
  while (heartbeats < 6) {
    const auto [ec, piece] = co_await reader.read_body_some(1s);
    REQUIRE_FALSE(ec);
    REQUIRE_FALSE(decoder.feed(piece, [&](message& m) { heartbeats += raftpb::is_link_heartbeat(m); }));
  }
  const auto elapsed = http::clock::now() - start;
  CHECK(elapsed >= 5 * 50ms - 10ms);  // the first comes at attach
  CHECK(elapsed < 6 * 50ms + 200ms);
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("the writer: messages queued behind a stuck connection are dropped and reported at reattach") {
  auto options = fast_options(1);
  options.server.write_timeout = 300ms;
  listening_member_1 one(ctx, options);
  auto& t = one.t;
  auto& raft = one.raft;
  const auto dial = peer2_dial("message");
  auto connect = [&]() -> asio::awaitable<std::shared_ptr<http::connection>> {
    auto conn = http::connection::make(ctx.get_executor());
    REQUIRE_FALSE(co_await conn->connect(http::tcp::resolver::results_type::create(t.local_endpoint(), "", ""),
                                         http::deadline_after(1s)));
    REQUIRE_FALSE(co_await conn->write(asio::buffer(dial), http::deadline_after(1s)));
    co_return conn;
  };
  const auto stuck = co_await connect();  // never reads: the socket buffers fill up
  CO_WAIT_UNTIL(t.find_peer(2)->streams_attached(stream_type::message));
  message big;
  big.type = message_type::MsgHeartbeat;
  big.from = 1;
  big.to = 2;
  big.context = std::string(25 * 1024 * 1024, 'x');
  // 25 MiB, a segment of its own, that the writer takes in one write and
  // cannot get through the socket buffers; what is sent next waits behind it.
  t.send(big);
  CO_WAIT_UNTIL(t.find_peer(2)->queued_messages() == 0);  // the writer took it
  big.context = std::string(1024 * 1024, 'x');  // 8 MiB: more than one segment waits
  for (int i = 0; i < 8; ++i) t.send(big);
  REQUIRE(t.find_peer(2)->queued_messages() == 8);
  const auto fresh = co_await connect();
  CO_WAIT_UNTIL(raft.unreachable[2] != 0);
  CHECK(raft.unreachable[2] == 1);
  CHECK(t.find_peer(2)->queued_messages() == 0);
  // The stuck write's bytes count until its write timeout ends it.
  CHECK(t.find_peer(2)->queued_bytes() > 0);
  CO_WAIT_UNTIL(t.find_peer(2)->queued_bytes() == 0);
  co_await t.async_stop(asio::use_awaitable);
}

// Go: TestStreamReaderStopOnDial.
CORO_TEST_CASE("stopping while a dial waits for its answer closes it and ends the reader at once") {
  bool answered = false;
  fake_peer peer(ctx, [&](http::exchange&) -> asio::awaitable<void> {
    co_await elapse(ctx, 5s);  // never answers in time
    answered = true;
  });
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, fast_options(1));
  t.add_peer(2, url_of(peer.server.local_endpoint()));
  CO_WAIT_UNTIL(peer.requests.size() >= 2);  // both readers wait for an answer
  const auto start = http::clock::now();
  co_await t.async_stop(asio::use_awaitable);
  CHECK(http::clock::now() - start < 1s);
  CHECK_FALSE(answered);
}

namespace {

// A stream dialled by hand as peer 2 would dial it, its 200 read, and the
// writer's first link heartbeat read and written to completion: the writer
// idles, and the next send() starts a turn.
struct hand_dialled_stream {
  static asio::awaitable<std::unique_ptr<hand_dialled_stream>> open(asio::io_context& ctx, test_transport& t) {
    auto s = std::make_unique<hand_dialled_stream>(ctx);
    REQUIRE_FALSE(co_await s->conn->connect(
        http::tcp::resolver::results_type::create(t.local_endpoint(), "", ""), http::deadline_after(1s)));
    const auto dial = peer2_dial("message");
    REQUIRE_FALSE(co_await s->conn->write(asio::buffer(dial), http::deadline_after(1s)));
    REQUIRE_FALSE(co_await s->reader.read_head(http::deadline_after(1s)));
    co_await s->read_until([&s] { return s->heartbeats > 0; });
    REQUIRE(s->got.empty());
    // The heartbeat's write completed before it could be read; its handler
    // was queued then and runs before this coroutine's turn comes again.
    co_await asio::post(ctx, asio::use_awaitable);
    co_return s;
  }

  explicit hand_dialled_stream(asio::io_context& ctx)
      : conn(http::connection::make(ctx.get_executor())), reader(*conn, parser, buffer) {}

  template <class Done>
  asio::awaitable<void> read_until(Done done) {
    while (!done()) {
      const auto [ec, piece] = co_await reader.read_body_some(2s);
      REQUIRE_FALSE(ec);
      REQUIRE_FALSE(decoder.feed(piece, [&](message& m) {
        if (raftpb::is_link_heartbeat(m)) ++heartbeats;
        else got.push_back(m);
      }));
    }
  }

  // Bytes the kernel holds for us now, without running the event loop.
  [[nodiscard]] std::size_t readable() { return conn->socket().available(); }

  std::shared_ptr<http::connection> conn;
  http::parser parser{http::parser::kind::response, 4096};
  detail::byte_buffer buffer;
  http::message_reader reader;
  codec::message_stream_decoder decoder{64 << 20};
  std::vector<message> got;  // all but link heartbeats
  int heartbeats = 0;
};

message heartbeat_with_context(std::string context) {
  message m;
  m.type = message_type::MsgHeartbeat;
  m.from = 1;
  m.to = 2;
  m.context = std::move(context);
  return m;
}

}  // namespace

// A message-stream frame of a heartbeat from 2 to 1, as peer 2's writer sends it.
void append_heartbeat_from_2(detail::byte_buffer& out, std::string context) {
  message m = heartbeat_with_context(std::move(context));
  std::swap(m.from, m.to);
  codec::append_frame(m, out);
}

CORO_TEST_CASE("raft's answers to what one read brought leave at the end of its delivery, in order, whatever their size") {
  // The test is peer 2 both ways: it serves 1's stream reader three
  // heartbeats ("a" and "b" in one chunk, then "c"), and dials 1's writer,
  // which carries raft's answers (a small "A", a "B" far larger than the
  // socket buffers take, "C").
  detail::notifier hand_dialled(ctx.get_executor());
  bool dialled = false;
  fake_peer peer(ctx, [&](http::exchange& ex) -> asio::awaitable<void> {
    (void)co_await ex.start_chunked(200, version_headers());
    if (!ex.request().path().ends_with("/message/1")) co_return co_await elapse(ctx, 5s);
    while (!dialled) co_await hand_dialled.wait();
    detail::byte_buffer frames;
    append_heartbeat_from_2(frames, "a");
    append_heartbeat_from_2(frames, "b");
    (void)co_await ex.write_chunk(frames.bytes());
    frames.clear();
    append_heartbeat_from_2(frames, "c");
    (void)co_await ex.write_chunk(frames.bytes());
    co_await elapse(ctx, 5s);
  });
  listening_member_1 one(ctx, fast_options(1), url_of(peer.server.local_endpoint()));
  auto& t = one.t;
  auto& raft = one.raft;
  const auto stream = co_await hand_dialled_stream::open(ctx, t);

  std::string big(24 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 4093);
  std::vector<std::size_t> readable_after_delivery;
  raft.on_process = [&](const message& m) {
    // Queued before the answer is sent, so before any handler the send posts:
    // it sees the wire as the delivery left it.
    if (m.context == "a") asio::post(ctx, [&] { readable_after_delivery.push_back(stream->readable()); });
    const std::string answer = m.context == "a" ? "A" : m.context == "b" ? big : "C";
    REQUIRE_FALSE(t.send(heartbeat_with_context(answer)));
  };
  dialled = true;
  hand_dialled.notify();

  co_await stream->read_until([&stream] { return stream->got.size() == 3; });
  REQUIRE(readable_after_delivery.size() == 1);
  CHECK(readable_after_delivery[0] > 0);  // written before the event loop ran anything else
  CHECK(stream->got[0].context == "A");
  CHECK(stream->got[1].context == big);
  CHECK(stream->got[2].context == "C");
  CHECK(raft.unreachable.empty());
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("flush() writes what send() queued at once, in one chunk; without it the writer's coroutine does") {
  listening_member_1 one(ctx);
  auto& t = one.t;
  const auto stream = co_await hand_dialled_stream::open(ctx, t);

  REQUIRE_FALSE(t.send(heartbeat_with_context("queued")));
  CHECK(stream->readable() == 0);  // queued: the writer's coroutine has not run
  REQUIRE_FALSE(t.send(heartbeat_with_context("flushed")));
  t.flush();
  const std::size_t after_flush = stream->readable();
  CHECK(after_flush > 0);
  CHECK(t.find_peer(2)->queued_bytes() == 0);
  t.flush();  // nothing left: writes nothing
  CHECK(stream->readable() == after_flush);

  co_await stream->read_until([&stream] { return stream->got.size() == 2; });
  CHECK(stream->got[0].context == "queued");
  CHECK(stream->got[1].context == "flushed");
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("the byte cap counts a stream write in flight until it ends: what the writer holds stays bounded") {
  auto options = fast_options(1);
  options.max_queued_bytes_per_peer = 1024 * 1024;
  listening_member_1 one(ctx, options);
  auto& t = one.t;
  const auto& to_two = *t.find_peer(2);
  const auto stream = co_await hand_dialled_stream::open(ctx, t);
  const std::string x(600 * 1024, 'x');
  REQUIRE_FALSE(t.send(heartbeat_with_context(x)));
  CO_WAIT_UNTIL(to_two.queued_messages() == 0);  // taken by the writer, unread by the test
  CHECK(to_two.queued_bytes() > x.size());
  CHECK(t.send(heartbeat_with_context(x)) == errc::queue_full);  // 1.2 MiB would pass the cap

  co_await stream->read_until([&stream] { return stream->got.size() == 1; });
  CO_WAIT_UNTIL(to_two.queued_bytes() == 0);
  REQUIRE_FALSE(t.send(heartbeat_with_context(x)));  // room again
  co_await stream->read_until([&stream] { return stream->got.size() == 2; });
  CHECK(stream->got[1].context == x);
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("a connection that replaces one with a write in flight writes from its own buffer; the old bytes stay intact") {
  auto options = fast_options(1);
  options.server.write_timeout = 10s;  // the old write waits for the test to read it
  listening_member_1 one(ctx, options);
  auto& t = one.t;
  auto& raft = one.raft;
  const auto old_stream = co_await hand_dialled_stream::open(ctx, t);
  const std::string x(16 * 1024 * 1024, 'x');
  const std::string y(256 * 1024, 'y');
  REQUIRE_FALSE(t.send(heartbeat_with_context(x)));
  // 16 MiB, a segment of its own, in one write that the old stream, unread,
  // cannot take yet.
  CO_WAIT_UNTIL(t.find_peer(2)->queued_messages() == 0);

  const auto new_stream = co_await hand_dialled_stream::open(ctx, t);
  for (int i = 0; i < 40; ++i) REQUIRE_FALSE(t.send(heartbeat_with_context(y)));
  co_await new_stream->read_until([&new_stream] { return new_stream->got.size() == 40; });
  CHECK(std::ranges::all_of(new_stream->got, [&y](const message& m) { return m.context == y; }));
  // The old write goes on, with what was sent to the old connection.
  co_await old_stream->read_until([&old_stream] { return old_stream->got.size() == 1; });
  CHECK(old_stream->got[0].context == x);
  CHECK(raft.unreachable.empty());
  co_await t.async_stop(asio::use_awaitable);
}
