// Hostile clients against a transport's server and its handlers (beyond
// tests/http/server.cpp, which covers garbage, one oversized head, a bad
// chunk size, a body over a handler's limit, silent and trickling clients and
// the connection limit with two connections): thousands of idle connections,
// pipelined garbage after valid requests, bodies that claim more than the
// limits or never complete, bad chunked encodings. Nothing malformed reaches
// raft, every bad request gets its status and loses its connection, memory
// stays bounded, and legitimate peers are served afterwards.
#include "faults/common.hpp"
#include "support/raw_http.hpp"
#include "support/snapshots.hpp"

#include <rafthttp/raftpb/codec.hpp>

#include <asio/write.hpp>

#include <sys/resource.h>

using namespace rafthttp;
using namespace rafthttp::test;
using namespace rafthttp::test::faults;
using tcp = asio::ip::tcp;

namespace {

http::fields go_headers() {
  http::fields h;
  h.add("X-Server-From", "2");
  h.add("X-Server-Version", "3.4.23");
  h.add("X-Min-Cluster-Version", "3.0.0");
  h.add("X-Etcd-Cluster-ID", "7b");
  return h;
}

std::string go_header_lines() {
  std::string out;
  for (const auto& [name, value] : go_headers()) out += name + ": " + value + "\r\n";
  return out;
}

message heartbeat(std::uint64_t commit) { return numbered(message_type::MsgHeartbeat, 2, 1, commit); }

std::string encoded(const message& m) {
  const auto bytes = raftpb::encode(m);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A valid POST /raft of one message, as a Go peer sends it.
std::string valid_post(std::uint64_t commit) {
  const auto body = encoded(heartbeat(commit));
  return "POST /raft HTTP/1.1\r\nHost: test\r\n" + go_header_lines() +
         "Content-Type: application/protobuf\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string be64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[7 - i] = static_cast<char>(v >> (8 * i));
  return out;
}

// What came back for bytes written, until the server closed the connection
// (closed) or `bound` passed.
struct raw_answer {
  std::string text;
  bool closed = false;

  // Status codes of the responses, in order.
  [[nodiscard]] std::vector<int> statuses() const {
    std::vector<int> out;
    for (auto at = text.find("HTTP/1.1 "); at != std::string::npos; at = text.find("HTTP/1.1 ", at + 1))
      out.push_back(std::stoi(text.substr(at + 9, 3)));
    return out;
  }
};

asio::awaitable<std::shared_ptr<http::connection>> connect(asio::io_context& ctx, tcp::endpoint to) {
  auto conn = http::connection::make(ctx.get_executor());
  const auto ec = co_await conn->connect(tcp::resolver::results_type::create(to, "", ""), http::deadline_after(2s));
  REQUIRE_FALSE(ec);
  co_return conn;
}

// What came back for bytes written, until the server closed the connection
// (closed) or `bound` passed; with `one_head`, only until the end of the
// first response head.
asio::awaitable<raw_answer> read_all(http::connection& conn, std::chrono::milliseconds bound, bool one_head = false) {
  raw_answer out;
  const auto until = http::deadline_after(bound);
  std::error_code ec;
  while (!ec && !(one_head && out.text.find("\r\n\r\n") != std::string::npos)) {
    char data[4096];
    std::size_t n;
    std::tie(ec, n) = co_await conn.read_some(asio::buffer(data), until);
    out.text.append(data, n);
  }
  out.closed = ec == http::errc::connection_closed;
  co_return out;
}

// Writes `bytes` at once; with `half_close`, then ends the sending side.
asio::awaitable<raw_answer> exchange_raw(asio::io_context& ctx, tcp::endpoint to, std::string bytes,
                                         bool half_close = false, std::chrono::milliseconds bound = 3000ms) {
  auto conn = co_await connect(ctx, to);
  const auto ec = co_await conn->write(asio::buffer(bytes), http::deadline_after(2s));
  REQUIRE_FALSE(ec);
  if (half_close) {
    std::error_code ignored;
    conn->socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  co_return co_await read_all(*conn, bound);
}

// Writes a head, then `body_bytes` of body in pieces, ignoring errors (the
// server may close before the end).
asio::awaitable<void> write_body_slowly(std::shared_ptr<http::connection> conn, std::string head,
                                        std::size_t body_bytes, std::shared_ptr<bool> done) {
  auto ec = co_await conn->write(asio::buffer(head), http::deadline_after(2s));
  const std::string piece(64 * 1024, 'b');
  for (std::size_t sent = 0; !ec && sent < body_bytes; sent += piece.size())
    ec = co_await conn->write(asio::buffer(piece), http::deadline_after(2s));
  *done = true;
}

struct server_fixture {
  explicit server_fixture(asio::io_context& ctx, transport_options o = fast_options(1))
      : t(ctx.get_executor(), raft, snaps, with_log(std::move(o))) {
    REQUIRE_FALSE(t.listen(loopback()));
    t.add_peer(2, *url_list::parse("http://127.0.0.1:1"));  // only its handlers matter
  }

  transport_options with_log(transport_options o) {
    o.log = log.sink();
    return o;
  }

  // A Go peer's POST on a fresh connection is processed.
  asio::awaitable<void> legit_post_served(asio::io_context& ctx, std::uint64_t commit) {
    const auto before = raft.processed.size();
    const auto answer = co_await exchange_raw(ctx, t.local_endpoint(), valid_post(commit), true);
    CHECK(answer.statuses() == std::vector{204});
    REQUIRE(raft.processed.size() == before + 1);
    CHECK(raft.processed.back() == heartbeat(commit));
  }

  recorded_log log;
  recording_raft raft;
  memory_snapshotter snaps;
  test_transport t;
};

}  // namespace

CORO_TEST_CASE("hostile clients: pipelined garbage after valid requests: each valid one answered, then 400 or 431, "
               "the connection closed, raft gets only the valid ones") {
  server_fixture f(ctx);
  const auto to = f.t.local_endpoint();
  struct tail_case {
    std::string name;
    std::string bytes;
    int status;
  };
  const std::vector<tail_case> tails = {
      {"binary garbage", std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n", 16), 400},
      {"a head above the limit", "GET /raft/probing HTTP/1.1\r\nX-Pad: " + std::string(100 * 1024, 'p') + "\r\n\r\n", 431},
      {"Content-Length and chunked both (smuggling)",
       "POST /raft HTTP/1.1\r\n" + go_header_lines() + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"a header line without a colon", "GET /raft/probing HTTP/1.1\r\nno colon here\r\n\r\n", 400},
      {"a request line that is no HTTP", "HELLO\r\n\r\n", 400},
  };
  std::uint64_t commit = 1;
  for (const auto& tail : tails) {
    INFO("after a valid request: ", tail.name);
    const auto before = f.raft.processed.size();
    const auto answer = co_await exchange_raw(ctx, to, valid_post(commit) + valid_post(commit + 1) + tail.bytes);
    CHECK(answer.statuses() == std::vector{204, 204, tail.status});
    CHECK(answer.closed);
    REQUIRE(f.raft.processed.size() == before + 2);
    CHECK(f.raft.processed[before] == heartbeat(commit));
    CHECK(f.raft.processed[before + 1] == heartbeat(commit + 1));
    commit += 2;
  }
  // Garbage after a stream dial: the connection belongs to the stream writer,
  // which never reads it; the stream works.
  http::fields stream_headers = go_headers();
  stream_headers.add("X-Raft-To", "1");
  auto conn = co_await connect(ctx, to);
  const auto dial = request_text("GET", "/raft/stream/message/2", stream_headers) + "\x01\x02garbage";
  REQUIRE_FALSE(co_await conn->write(asio::buffer(dial), http::deadline_after(1s)));
  CO_WAIT_UNTIL(f.t.find_peer(2)->streams_attached(stream_type::message));
  REQUIRE_FALSE(f.t.send(numbered(message_type::MsgHeartbeat, 1, 2, 77)));
  std::string seen;
  std::error_code ec;
  while (seen.find("\r\n\r\n") == std::string::npos || seen.size() < 200) {
    char data[4096];
    std::size_t n;
    std::tie(ec, n) = co_await conn->read_some(asio::buffer(data), http::deadline_after(1s));
    REQUIRE_FALSE(ec);
    seen.append(data, n);
  }
  CHECK(seen.starts_with("HTTP/1.1 200 OK"));
  conn->close();

  co_await f.legit_post_served(ctx, 1000);
  co_await f.t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("hostile clients: bad chunked encodings get 400 and nothing reaches raft") {
  server_fixture f(ctx);
  const auto to = f.t.local_endpoint();
  const std::string head = "POST /raft HTTP/1.1\r\n" + go_header_lines() + "Transfer-Encoding: chunked\r\n\r\n";
  const auto body = encoded(heartbeat(5));
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a chunk size that overflows", "fffffffffffffffffffffffff\r\n" + body + "\r\n0\r\n\r\n"},
      {"a negative chunk size", "-" + std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n"},
      {"chunk data longer than its size", "2\r\n" + body + "\r\n0\r\n\r\n"},
      {"a chunk extension with a control byte", std::string(size) + ";ext\x01\r\n" + body + "\r\n0\r\n\r\n"},
      {"a size line without CRLF", std::string(size) + " garbage garbage\r\n" + body + "\r\n0\r\n\r\n"},
      {"the body ends before its last chunk", std::string(size) + "\r\n" + body + "\r\n"},
      // Go answers 400 to these too (llhttp in strict mode, subprojects/llhttp).
      {"two bytes other than CRLF after a chunk's data", std::string(size) + "\r\n" + body + "XY0\r\n\r\n"},
      {"a size line ending in CR alone", std::string(size) + "\r" + body + "\r\n0\r\n\r\n"},
  };
  for (const auto& [name, chunks] : cases) {
    INFO("chunked body: ", name);
    const auto answer = co_await exchange_raw(ctx, to, head + chunks, true);
    CHECK(answer.statuses() == std::vector{400});
    CHECK(answer.closed);
  }
  CHECK(f.raft.processed.empty());

  co_await f.legit_post_served(ctx, 6);
  co_await f.t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("hostile clients: bodies claiming more than the limits, or never completing: 413 or 400, memory "
               "follows what arrived, nothing reaches raft") {
  auto options = fast_options(1);
  options.server.max_body_bytes = 1024 * 1024;
  server_fixture f(ctx, options);
  const auto to = f.t.local_endpoint();
  const std::string post = "POST /raft HTTP/1.1\r\n" + go_header_lines();

  // Claims 1 TiB and keeps sending: refused at the limit.
  for (const auto& framing : {std::string("Content-Length: 1099511627776\r\n\r\n"),
                              std::string("Transfer-Encoding: chunked\r\n\r\n10000000000\r\n")}) {
    INFO("framing: ", framing);
    const auto mark = heap::mark();
    auto conn = co_await connect(ctx, to);
    auto written = std::make_shared<bool>(false);
    asio::co_spawn(ctx, write_body_slowly(conn, post + framing, 4 * 1024 * 1024, written), asio::detached);
    const auto answer = co_await read_all(*conn, 3000ms);
    CHECK(answer.statuses() == std::vector{413});
    CHECK(answer.text.find("\r\nConnection: close\r\n") != std::string::npos);  // as Go's: no next request
    CHECK(answer.closed);
    CO_WAIT_UNTIL(*written);
    if (heap::tracking()) CHECK(heap::growth_since(mark) < 8 * 1024 * 1024);
  }

  // Claims more than it sends, then falls silent: the read timeout closes the
  // connection (Go would still write its 400 "error reading raft message").
  auto start = clock::now();
  auto answer = co_await exchange_raw(ctx, to, post + "Content-Length: 1099511627776\r\n\r\n" + std::string(100, 'x'));
  CHECK(answer.statuses().empty());
  CHECK(answer.closed);
  CHECK(clock::now() - start >= options.server.read_timeout - 50ms);
  CHECK(clock::now() - start < options.server.read_timeout + 1s);

  for (const auto& length : {"99999999999999999999999", "-1", "12, 13", "0x10"}) {
    INFO("Content-Length: ", length);
    answer = co_await exchange_raw(ctx, to, post + "Content-Length: " + length + "\r\n\r\n" + std::string(16, 'x'));
    CHECK(answer.statuses() == std::vector{400});
    CHECK(answer.closed);
  }

  // A snapshot envelope claiming 60 MiB (under the newest profile's 64 MiB limit), of which 1 MiB comes.
  const auto mark = heap::mark();
  start = clock::now();
  auto conn = co_await connect(ctx, to);
  const auto envelope = "POST /raft/snapshot HTTP/1.1\r\n" + go_header_lines() +
                        "Transfer-Encoding: chunked\r\n\r\n100108\r\n" + be64(60 * 1024 * 1024);
  auto written = std::make_shared<bool>(false);
  asio::co_spawn(ctx, write_body_slowly(conn, envelope, 1024 * 1024, written), asio::detached);
  answer = co_await read_all(*conn, 3000ms);
  CHECK(answer.statuses().empty());  // the read timeout closed it
  CHECK(answer.closed);
  CHECK(clock::now() - start < options.server.read_timeout + 1s);
  CO_WAIT_UNTIL(*written);
  if (heap::tracking()) CHECK(heap::growth_since(mark) < 8 * 1024 * 1024);
  CHECK(f.snaps.dbs.empty());
  CHECK(f.raft.processed.empty());
  co_await f.legit_post_served(ctx, 1);
  co_await f.t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("hostile clients: thousands of idle connections: the connection limit and the head timeout hold, "
               "memory stays bounded, legitimate peers are served once the idle ones time out") {
  // Room for the attackers' sockets and ours.
  rlimit files{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &files) == 0);
  files.rlim_cur = files.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &files);
  REQUIRE(getrlimit(RLIMIT_NOFILE, &files) == 0);
  const std::size_t attackers = std::min<std::size_t>(2000, (files.rlim_cur - 256) / 2);
  REQUIRE_MESSAGE(attackers >= 1000, "RLIMIT_NOFILE too low for this test: " << files.rlim_cur);

  constexpr std::size_t limit = 200;
  auto options = fast_options(1);
  options.server.max_connections = limit;
  options.server.read_timeout = 1500ms;
  recorded_log log;
  recording_raft raft;
  memory_snapshotter snaps;
  options.log = log.sink();
  test_transport t(ctx.get_executor(), raft, snaps, options);
  http::router routes;
  t.mount(routes);
  http::server server(ctx.get_executor(), routes, options.server);
  REQUIRE_FALSE(server.listen(loopback()));
  const auto to = server.local_endpoint();

  const auto mark = heap::mark();
  const auto flood_started = clock::now();
  std::vector<tcp::socket> idle;
  idle.reserve(attackers);
  for (std::size_t i = 0; i < attackers; ++i) {
    tcp::socket s(ctx);
    auto [ec] = co_await s.async_connect(to, http::use_tuple);
    REQUIRE_FALSE(ec);
    if (i % 2 == 1) {  // half of them start a head and never finish it
      const std::string partial = "POST /raft HTTP/1.1\r\nX-Slow: ";
      auto [write_error, n] = co_await asio::async_write(s, asio::buffer(partial), http::use_tuple);
      (void)n;
      (void)write_error;  // the server may have closed it already
    }
    idle.push_back(std::move(s));
  }
  CO_WAIT_UNTIL(server.connection_count() == limit);

  // Full: a legitimate POST is closed at accept, unanswered.
  const auto refused = co_await exchange_raw(ctx, to, valid_post(1), true, 1000ms);
  REQUIRE_MESSAGE(clock::now() - flood_started < options.server.read_timeout,
                  "too slow to prove anything: idle connections may have timed out already");
  CHECK(refused.statuses().empty());
  CHECK(refused.closed);
  CHECK(server.connection_count() == limit);  // never above the limit
  CHECK(raft.processed.empty());
  if (heap::tracking()) {
    // Per served connection, its read buffer (4 KiB while it waits for a head)
    // and state; per refused one, nothing.
    const auto growth = heap::growth_since(mark);
    CHECK_MESSAGE(growth < limit * 16 * 1024 + attackers * 1024 + 2 * 1024 * 1024,
                  "live heap grew by " << growth << " bytes");
  }

  // The head timeout frees every slot; a legitimate peer is then served.
  CO_WAIT_UNTIL(server.connection_count() == 0);
  CHECK(clock::now() - flood_started >= options.server.read_timeout - 100ms);
  const auto served = co_await exchange_raw(ctx, to, valid_post(2), true);
  CHECK(served.statuses() == std::vector{204});
  REQUIRE(raft.processed.size() == 1);
  CHECK(raft.processed[0] == heartbeat(2));

  for (auto& s : idle) {
    std::error_code ignored;
    s.close(ignored);
  }
  server.stop();
  co_await t.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("hostile clients: many snapshot receives at once, stalled mid-DB: the file snapshotter's batch "
               "memory stays bounded, and a receive beyond the budget still saves its DB whole") {
  constexpr std::size_t senders = 40;
  constexpr std::size_t db_total = 3 * file_snapshotter::batch_bytes;
  constexpr std::size_t db_first = 200 * kib;  // what comes before the stall
  auto options = fast_options(1);
  options.server.read_timeout = 10s;  // the stalls must outlast the setup
  recorded_log log;
  options.log = log.sink();
  recording_raft raft;
  scratch_dir dir;
  file_snapshotter snaps(dir.path);
  transport<recording_raft, file_snapshotter> t(ctx.get_executor(), raft, snaps, options);
  REQUIRE_FALSE(t.listen(loopback()));
  t.add_peer(2, *url_list::parse("http://127.0.0.1:1"));

  message m = msnap(7, 1);
  m.from = 2;
  const auto envelope = encoded(m);
  const auto db = db_bytes(db_total);
  const std::string head = "POST /raft/snapshot HTTP/1.1\r\nHost: test\r\n" + go_header_lines() +
                           "Content-Length: " + std::to_string(8 + envelope.size() + db_total) + "\r\n\r\n" +
                           be64(envelope.size()) + envelope;

  const std::string first = head + db.substr(0, db_first);
  const auto mark = heap::mark();
  std::vector<std::shared_ptr<http::connection>> conns;
  for (std::size_t i = 0; i < senders; ++i) {
    conns.push_back(co_await connect(ctx, t.local_endpoint()));
    const auto ec = co_await conns.back()->write(asio::buffer(first), http::deadline_after(2s));
    REQUIRE_FALSE(ec);
  }
  CO_WAIT_UNTIL(log.find("receiving database snapshot").size() == senders);
  if (heap::tracking()) {
    // Before the budget each receive held two 1 MiB batches (80 MiB here);
    // now the budget plus, beyond it, two small batches and a read buffer each.
    const auto growth = heap::growth_since(mark);
    CHECK_MESSAGE(growth < file_snapshotter::batch_memory_budget + senders * 512 * kib,
                  "live heap grew by " << growth << " bytes");
  }

  // The last receive (small batches: the budget is spent) completes whole.
  const std::string rest = db.substr(db_first);
  const auto ec = co_await conns.back()->write(asio::buffer(rest), http::deadline_after(2s));
  REQUIRE_FALSE(ec);
  const auto answer = co_await read_all(*conns.back(), 3000ms, true);
  CHECK(answer.statuses() == std::vector{204});
  CHECK(read_file(snaps.db_path(7)) == db);
  REQUIRE(raft.processed.size() == 1);
  CHECK(raft.processed[0].type == message_type::MsgSnap);

  // The others are cut off: their temporary files go, the saved DB stays.
  for (auto& c : conns) c->close();
  CO_WAIT_UNTIL(log.find("failed to save incoming database snapshot").size() == senders - 1);
  CHECK(dir.files() == std::vector<std::string>{"0000000000000007.snap.db"});
  co_await t.async_stop(asio::use_awaitable);
}
