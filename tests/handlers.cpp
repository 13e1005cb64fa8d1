// The endpoints' checks, headers and statuses (doc/protocol.md 3.2 to 3.6),
// each asserting what reached raft. Go: TestServeRaftPrefix,
// TestServeRaftStreamPrefix, TestServeRaftStreamPrefixBad.
#include <rafthttp/handlers.hpp>

#include "support/coro.hpp"
#include "support/raw_http.hpp"
#include "support/recording_raft.hpp"

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/transport.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using namespace std::chrono_literals;
using test::raw_round_trip;
using test::request_text;

namespace {

using test_transport = transport<test::recording_raft, test::memory_snapshotter>;

// What the default profile (the newest release) sends as X-Server-Version.
constexpr std::string_view newest_server_version = profile_of(newest_etcd_version).server_version;

// Local member 1 of cluster 7b, with peer 2 (unreachable: only its handlers matter).
struct fixture {
  explicit fixture(asio::io_context& ctx, transport_options o = options())
      : t(ctx.get_executor(), raft, snaps, std::move(o)) {
    REQUIRE_FALSE(t.listen(http::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
    t.add_peer(2, *url_list::parse("http://127.0.0.1:1"));
  }

  static transport_options options() {
    transport_options o;
    o.id = 1;
    o.cluster_id = 0x7b;
    return o;
  }

  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t;
};

http::fields go_headers(std::string_view from = "2") {
  http::fields h;
  h.add("X-Server-From", std::string(from));
  h.add("X-Server-Version", "3.4.23");
  h.add("X-Min-Cluster-Version", "3.0.0");
  h.add("X-Etcd-Cluster-Id", "7b");
  return h;
}

http::fields stream_headers(std::string_view to = "1") {
  auto h = go_headers();
  h.add("X-Raft-To", std::string(to));
  return h;
}

std::string encoded(const message& m) {
  const auto bytes = raftpb::encode(m);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

message heartbeat() {
  message m;
  m.type = message_type::MsgHeartbeat;
  m.from = 2;
  m.to = 1;
  m.term = 5;
  return m;
}

std::string snapshot_body(const message& m, std::string_view db) {
  const auto bytes = raftpb::encode(m);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[7 - i] = static_cast<char>(bytes.size() >> (8 * i));
  return out + std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()) + std::string(db);
}

}  // namespace

CORO_TEST_CASE("POST /raft: methods, versions, cluster id") {
  fixture f(ctx);
  const auto to = f.t.local_endpoint();
  for (const char* method : {"GET", "PUT", "DELETE"}) {
    const auto r = co_await raw_round_trip(ctx, to, request_text(method, "/raft", go_headers()));
    CHECK(r.status == 405);
    CHECK(r.headers.get("Allow") == "POST");
    CHECK(r.body == "Method Not Allowed\n");
    CHECK_FALSE(r.headers.contains("X-Etcd-Cluster-ID"));
  }
  auto bad = [&](http::fields headers) -> asio::awaitable<test::raw_response> {
    co_return co_await raw_round_trip(ctx, to, request_text("POST", "/raft", headers, encoded(heartbeat())));
  };
  http::fields none;
  auto r = co_await bad(none);
  CHECK(r.status == 412);
  CHECK(r.body == "incompatible version\n");
  CHECK(r.headers.get("X-Etcd-Cluster-ID") == "7b");
  auto old = go_headers();
  old.set("X-Server-Version", "2.3.0");
  CHECK((co_await bad(old)).body == "incompatible version\n");
  auto newer_min = go_headers();
  newer_min.set("X-Min-Cluster-Version", "3.8.0");  // newer than our (newest) release
  CHECK((co_await bad(newer_min)).body == "incompatible version\n");
  auto not_semver = go_headers();
  not_semver.set("X-Server-Version", "3.4");
  CHECK((co_await bad(not_semver)).status == 412);
  for (const char* cluster : {"7c", "7B", "007b", ""}) {
    auto h = go_headers();
    h.set("X-Etcd-Cluster-ID", cluster);
    r = co_await bad(h);
    CHECK(r.status == 412);
    CHECK(r.body == "cluster ID mismatch\n");
  }
  CHECK(f.raft.processed.empty());
  auto prerelease = go_headers();
  prerelease.set("X-Server-Version", "3.4.0-alpha.1+abc");
  r = co_await bad(prerelease);
  CHECK(r.status == 204);
  CHECK(f.raft.processed.size() == 1);
}

// Go's handlers compare the header's value, so a request without the header
// is a mismatch too (412), on every endpoint.
CORO_TEST_CASE("a request without X-Etcd-Cluster-ID is refused 412 on every endpoint") {
  fixture f(ctx);
  const auto to = f.t.local_endpoint();
  auto without = [](http::fields h) {
    h.erase("X-Etcd-Cluster-ID");
    return h;
  };
  auto r = co_await raw_round_trip(ctx, to, request_text("POST", "/raft", without(go_headers()), encoded(heartbeat())));
  CHECK(r.status == 412);
  CHECK(r.body == "cluster ID mismatch\n");
  r = co_await raw_round_trip(ctx, to, request_text("GET", "/raft/stream/message/2", without(stream_headers())));
  CHECK(r.status == 412);
  CHECK(r.body == "cluster ID mismatch\n");
  auto snap = heartbeat();
  snap.type = message_type::MsgSnap;
  r = co_await raw_round_trip(ctx, to, request_text("POST", "/raft/snapshot", without(go_headers()),
                                                    snapshot_body(snap, "DB")));
  CHECK(r.status == 412);
  CHECK(r.body == "cluster ID mismatch\n");
  CHECK(f.raft.processed.empty());
  CHECK(f.snaps.dbs.empty());
  CHECK_FALSE(f.t.find_peer(2)->streams_attached(stream_type::message));
}

CORO_TEST_CASE("POST /raft: bodies and Process outcomes") {
  fixture f(ctx);
  const auto to = f.t.local_endpoint();
  auto post = [&](std::string body, http::fields headers) -> asio::awaitable<test::raw_response> {
    co_return co_await raw_round_trip(ctx, to, request_text("POST", "/raft", headers, body));
  };
  auto r = co_await post("malformed garbage", go_headers());
  CHECK(r.status == 400);
  CHECK(r.body == "error unmarshalling raft message\n");
  CHECK(f.raft.processed.empty());

  // An empty body is the all-zero message, whose To is not us: refused as
  // etcd's server refuses a message to another member (500, see below).
  r = co_await post("", go_headers());
  CHECK(r.status == 500);
  CHECK(r.closed);
  CHECK(f.raft.processed.empty());

  auto big = heartbeat();
  big.context = std::string(10 * 1024 * 1024, 'c');  // no 64 KiB limit, as in Go
  r = co_await post(encoded(big), go_headers());
  CHECK(r.status == 204);
  CHECK(f.raft.processed.back() == big);

  // A chunked request body, in two chunks.
  const auto body = encoded(heartbeat());
  std::string chunked = "POST /raft HTTP/1.1\r\nTransfer-Encoding: chunked\r\n";
  for (const auto& [name, value] : go_headers()) chunked += name + ": " + value + "\r\n";
  char second_size[8];
  std::snprintf(second_size, sizeof second_size, "%zx", body.size() - 5);
  chunked += "\r\n5\r\n" + body.substr(0, 5) + "\r\n" + second_size + "\r\n" + body.substr(5) + "\r\n0\r\n\r\n";
  r = co_await raw_round_trip(ctx, to, chunked);
  CHECK(r.status == 204);
  CHECK(f.raft.processed.back() == heartbeat());

  // Process errors: 500 and the connection aborted; a removed sender 403.
  const auto before = f.raft.processed.size();
  f.raft.fail_with = std::make_error_code(std::errc::io_error);  // what a raft node could return
  r = co_await post(encoded(heartbeat()), go_headers());
  CHECK(r.status == 500);
  CHECK(r.body == "error processing raft message\n");
  CHECK(r.closed);
  f.raft.fail_with = {};
  f.raft.removed.insert(2);
  r = co_await post(encoded(heartbeat()), go_headers());
  CHECK(r.status == 403);
  CHECK(f.raft.processed.size() == before);
}

CORO_TEST_CASE("POST /raft: a message to another member is refused as etcd's server refuses it") {
  // etcd 3.4.32, 3.5.14 and 3.6.0 on: Process returns "cannot process message
  // to mismatch member" as an HTTPError that rafthttp's handler cannot write,
  // so a Go member answers 500 and drops the connection. Never a 403: a Go
  // sender that gets 403 takes itself for removed and stops.
  fixture f(ctx);
  auto m = heartbeat();
  m.to = 3;
  const auto r = co_await raw_round_trip(ctx, f.t.local_endpoint(), request_text("POST", "/raft", go_headers(), encoded(m)));
  CHECK(r.status == 500);
  CHECK(r.body == "error processing raft message\n");
  CHECK(r.closed);
  CHECK(f.raft.processed.empty());
}

CORO_TEST_CASE("POST /raft: a message type no release knows is ignored, as raft ignores it") {
  fixture f(ctx);
  const auto to = f.t.local_endpoint();
  for (const int type : {19, 23, 99}) {
    auto m = heartbeat();
    m.type = static_cast<message_type>(type);
    const auto r = co_await raw_round_trip(ctx, to, request_text("POST", "/raft", go_headers(), encoded(m)));
    CHECK(r.status == 204);
  }
  CHECK(f.raft.processed.empty());
  const auto r = co_await raw_round_trip(ctx, to, request_text("POST", "/raft", go_headers(), encoded(heartbeat())));
  CHECK(r.status == 204);
  CHECK(f.raft.processed.size() == 1);
}

CORO_TEST_CASE("POST /raft: a body above the limit is 413, and the connection ends") {
  auto o = fixture::options();
  o.server.max_body_bytes = 1024;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, o);
  REQUIRE_FALSE(t.listen(http::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
  auto big = heartbeat();
  big.context = std::string(2000, 'c');
  const auto r = co_await raw_round_trip(ctx, t.local_endpoint(), request_text("POST", "/raft", go_headers(), encoded(big)));
  CHECK(r.status == 413);
  CHECK(r.body == "error reading raft message\n");
  CHECK(r.headers.get("Connection") == "close");
  CHECK(raft.processed.empty());
  auto small = heartbeat();
  small.context = std::string(500, 'c');
  const auto ok = co_await raw_round_trip(ctx, t.local_endpoint(), request_text("POST", "/raft", go_headers(), encoded(small)));
  CHECK(ok.status == 204);
}

CORO_TEST_CASE("POST /raft from an unknown sender adds a remote from valid X-PeerURLs only") {
  fixture f(ctx);
  const auto to = f.t.local_endpoint();
  auto m = heartbeat();
  m.from = 9;
  auto headers = go_headers("9");
  headers.add("X-PeerURLs", "http://127.0.0.1:2,http://127.0.0.1:3");
  auto r = co_await raw_round_trip(ctx, to, request_text("POST", "/raft", headers, encoded(m)));
  CHECK(r.status == 204);
  CHECK(f.t.has_remote(9));
  auto invalid = go_headers("a");
  invalid.add("X-PeerURLs", "not a url");
  r = co_await raw_round_trip(ctx, to, request_text("POST", "/raft", invalid, encoded(m)));
  CHECK(r.status == 204);  // ignored, not fatal
  CHECK_FALSE(f.t.has_remote(0xa));
  CHECK(f.raft.processed.size() == 2);
}

CORO_TEST_CASE("stream endpoint: every rejection, with version headers") {
  fixture f(ctx);
  const auto to = f.t.local_endpoint();
  for (const char* method : {"PUT", "POST", "DELETE"}) {
    const auto r = co_await raw_round_trip(ctx, to, request_text(method, "/raft/stream/message/2", stream_headers()));
    CHECK(r.status == 405);
    CHECK(r.headers.get("Allow") == "GET");
  }
  auto get = [&](std::string target, http::fields headers) -> asio::awaitable<test::raw_response> {
    co_return co_await raw_round_trip(ctx, to, request_text("GET", target, headers));
  };
  for (const char* path : {"/raft/stream/msgappv2/2", "/raft/stream/foo/2", "/raft/stream/message", "/raft/stream/message/2/x"}) {
    const auto r = co_await get(path, stream_headers());
    CHECK(r.status == 404);
    CHECK(r.body == "invalid path\n");
    CHECK(r.headers.get("X-Server-Version") == newest_server_version);
    CHECK(r.headers.get("X-Etcd-Cluster-ID") == "7b");
  }
  CHECK((co_await get("/raft/stream/message/zz", stream_headers())).body == "invalid from\n");
  f.raft.removed.insert(3);
  auto r = co_await get("/raft/stream/message/3", stream_headers());
  CHECK(r.status == 410);
  CHECK(r.body == "removed member\n");
  auto unknown = stream_headers();
  unknown.add("X-PeerURLs", "http://127.0.0.1:4");
  r = co_await get("/raft/stream/msgapp/4", unknown);
  CHECK(r.status == 404);
  CHECK(r.body == "error sender not found\n");
  CHECK(f.t.has_remote(4));
  r = co_await get("/raft/stream/message/2", stream_headers("2"));
  CHECK(r.status == 412);
  CHECK(r.body == "to field mismatch\n");
  r = co_await get("/raft/stream/message/2", go_headers());  // no X-Raft-To
  CHECK(r.body == "to field mismatch\n");
  auto wrong_cluster = stream_headers();
  wrong_cluster.set("X-Etcd-Cluster-ID", "7c");
  r = co_await get("/raft/stream/message/2", wrong_cluster);
  CHECK(r.status == 412);
  CHECK(r.body == "cluster ID mismatch\n");
  CHECK(r.headers.get("X-Server-Version") == newest_server_version);
}

CORO_TEST_CASE("stream endpoint: a dial is answered 200 at once, then link heartbeats") {
  auto options = fixture::options();
  options.link_heartbeat_interval = 50ms;
  fixture f(ctx, options);
  auto conn = http::connection::make(ctx.get_executor());
  REQUIRE_FALSE(co_await conn->connect(http::tcp::resolver::results_type::create(f.t.local_endpoint(), "", ""),
                                       http::deadline_after(2s)));
  const auto dial = request_text("GET", "/raft/stream/message/0002", stream_headers());
  REQUIRE_FALSE(co_await conn->write(asio::buffer(dial), http::deadline_after(2s)));
  http::parser parser(http::parser::kind::response, 64 * 1024);
  detail::byte_buffer buffer;
  http::message_reader reader(*conn, parser, buffer);
  REQUIRE_FALSE(co_await reader.read_head(http::deadline_after(2s)));
  CHECK(parser.response().status == 200);
  CHECK(parser.response().headers.get("Transfer-Encoding") == "chunked");
  CHECK(parser.response().headers.get("X-Server-Version") == newest_server_version);
  CHECK(f.t.find_peer(2)->streams_attached(stream_type::message));

  // With nothing to send, the body carries link heartbeats, message frames
  // as a peer's reader decodes them: two of them, and nothing else.
  codec::message_stream_decoder decoder;
  std::vector<message> received;
  while (received.size() < 2) {
    const auto [ec, piece] = co_await reader.read_body_some(2s);
    REQUIRE_FALSE(ec);
    REQUIRE_FALSE(piece.empty());  // the body goes on
    REQUIRE_FALSE(decoder.feed(piece, [&](message& m) { received.push_back(m); }));
  }
  for (const auto& m : received) CHECK(raftpb::is_link_heartbeat(m));
  CHECK(f.raft.processed.empty());
  conn->close();
}

CORO_TEST_CASE("POST /raft/snapshot: envelope checks, then DB saved before Process") {
  fixture f(ctx);
  const auto to = f.t.local_endpoint();
  auto post = [&](std::string body) -> asio::awaitable<test::raw_response> {
    auto headers = go_headers();
    headers.add("Content-Type", "application/octet-stream");
    co_return co_await raw_round_trip(ctx, to, request_text("POST", "/raft/snapshot", headers, body));
  };
  auto r = co_await raw_round_trip(ctx, to, request_text("GET", "/raft/snapshot", go_headers()));
  CHECK(r.status == 405);
  CHECK(r.headers.get("Allow") == "POST");
  r = co_await post(std::string("\0\0\0\0\0\0\0\x1e", 8) + "short");
  CHECK(r.status == 400);
  CHECK(r.body == "failed to decode raft message (unexpected EOF)\n");
  r = co_await post(std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8));
  CHECK(r.body == "failed to decode raft message (rafthttp: error limit exceeded)\n");
  r = co_await post(snapshot_body(heartbeat(), "db"));
  CHECK(r.status == 400);
  CHECK(r.body == "wrong raft message type\n");
  CHECK(f.raft.processed.empty());

  auto snap = heartbeat();
  snap.type = message_type::MsgSnap;
  snap.snapshot.metadata.index = 42;
  r = co_await post(snapshot_body(snap, "DBDATA"));
  CHECK(r.status == 204);
  CHECK(f.snaps.dbs[42] == "DBDATA");
  REQUIRE(f.raft.processed.size() == 1);
  CHECK(f.raft.processed[0] == snap);

  // To another member: refused before the DB is saved (etcd saves it, then
  // answers 500 from Process).
  snap.to = 3;
  snap.snapshot.metadata.index = 44;
  r = co_await post(snapshot_body(snap, "DB"));
  CHECK(r.status == 500);
  CHECK(r.body == "failed to process raft message (cannot process message to mismatch member)\n");
  CHECK_FALSE(f.snaps.dbs.contains(44));
  CHECK(f.raft.processed.size() == 1);
  snap.to = 1;

  f.snaps.fail_with = std::make_error_code(std::errc::no_space_on_device);
  snap.snapshot.metadata.index = 43;
  r = co_await post(snapshot_body(snap, "DB"));
  CHECK(r.status == 500);
  CHECK(r.body.starts_with("failed to save KV snapshot ("));
  CHECK(f.raft.processed.size() == 1);
}

CORO_TEST_CASE("POST /raft/snapshot: the envelope limit is the profile's, 64 MiB from 3.6") {
  auto post = [&](test_transport& t, std::uint64_t claimed) -> asio::awaitable<test::raw_response> {
    std::string prefix(8, '\0');
    for (int i = 0; i < 8; ++i) prefix[7 - i] = static_cast<char>(claimed >> (8 * i));
    co_return co_await raw_round_trip(ctx, t.local_endpoint(),
                                      request_text("POST", "/raft/snapshot", go_headers(), prefix + "short"));
  };
  for (const auto version : {etcd_version::v3_6, etcd_version::v3_7}) {
    auto o = fixture::options();
    o.version = version;
    test::recording_raft raft;
    test::memory_snapshotter snaps;
    test_transport t(ctx.get_executor(), raft, snaps, o);
    REQUIRE_FALSE(t.listen(http::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
    CHECK((co_await post(t, 64 * mib + 1)).body == "failed to decode raft message (rafthttp: error limit exceeded)\n");
    CHECK((co_await post(t, 64 * mib)).body == "failed to decode raft message (unexpected EOF)\n");
  }
  auto o = fixture::options();
  o.version = etcd_version::v3_5;
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t(ctx.get_executor(), raft, snaps, o);
  REQUIRE_FALSE(t.listen(http::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
  CHECK((co_await post(t, 64 * mib + 1)).body == "failed to decode raft message (unexpected EOF)\n");
  CHECK((co_await post(t, 512 * mib + 1)).body == "failed to decode raft message (rafthttp: error limit exceeded)\n");
}

CORO_TEST_CASE("/raft/probing answers any method; other paths 404") {
  fixture f(ctx);
  const auto to = f.t.local_endpoint();
  for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
    CAPTURE(method);
    const auto r = co_await raw_round_trip(ctx, to, request_text(method, "/raft/probing", {}));
    CHECK(r.status == 200);
    CHECK(r.body.starts_with("{\"OK\":true,\"Now\":\""));
    CHECK(r.body.ends_with("Z\"}\n"));
  }
  // (HEAD is answered like GET, head only, as every response of the server:
  // tests/http/server.cpp pipelines a HEAD before a GET to check that.)
  for (const char* path : {"/", "/raft/", "/raft/snapshot/", "/raft/foo", "/member", "/versions"}) {
    const auto r = co_await raw_round_trip(ctx, to, request_text("GET", path, {}));
    CHECK(r.status == 404);
    CHECK(r.body == "404 page not found\n");
  }
}

TEST_CASE("stream paths parse as Go's handler does") {
  CHECK(detail::parse_stream_path("/raft/stream/message/0002").from == 2);
  CHECK(detail::parse_stream_path("/raft/stream/msgapp/1a").type == stream_type::msgapp);
  CHECK(detail::parse_stream_path("/raft/stream/msgappv2/1").error == "invalid path");
  CHECK(detail::parse_stream_path("/raft/stream/message/").error == "invalid from");
}
