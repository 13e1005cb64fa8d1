// A chunk whose data goes from a file to the socket by sendfile: the bytes
// on the wire (those of http::write_chunk), a peer whose socket is full, a
// connection closed meanwhile, a file that ends too soon, and SIGPIPE.
// (Through the sender, with the transport: tests/snapshot/sender.cpp.)
#include <rafthttp/snapshot/sendfile.hpp>

#include "support/coro.hpp"
#include "support/scratch_dir.hpp"

#include <rafthttp/http/chunk.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace rafthttp;
using namespace rafthttp::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t chunk_bytes = 256 * 1024;  // the snapshot sender's

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  std::mt19937 rng(5);
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

// A file with given bytes, open for reading.
struct test_file {
  explicit test_file(const std::string& bytes) {
    { std::ofstream(dir.path / "db", std::ios::binary) << bytes; }
    fd = ::open((dir.path / "db").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
  }
  test_file(const test_file&) = delete;
  ~test_file() { ::close(fd); }
  scratch_dir dir;
  int fd = -1;
};

// A plain connection (the sending side) and the socket it is connected to.
// Small socket buffers, when asked, make a peer that does not read fill them
// soon.
struct connected {
  explicit connected(asio::io_context& ctx, bool small_buffers = false)
      : acceptor(ctx, {asio::ip::make_address("127.0.0.1"), 0}), conn(http::connection::make(ctx.get_executor())),
        peer(ctx) {
    if (small_buffers) {
      acceptor.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
      conn->socket().open(asio::ip::tcp::v4());
      conn->socket().set_option(asio::socket_base::send_buffer_size(16 * 1024));
    }
    conn->socket().connect(acceptor.local_endpoint());
    acceptor.accept(peer);
  }
  asio::ip::tcp::acceptor acceptor;
  std::shared_ptr<http::connection> conn;
  asio::ip::tcp::socket peer;
};

// The bytes write_chunk puts on the wire for `data`.
std::string chunk_on_wire(std::string_view data) {
  if (data.empty()) return {};
  const http::chunk_buffers chunk(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  std::string out;
  for (const auto& b : chunk.buffers()) out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

// Reads exactly `n` bytes from `socket`.
asio::awaitable<std::string> read_exactly(asio::ip::tcp::socket& socket, std::size_t n) {
  std::string out(n, '\0');
  auto [ec, got] = co_await asio::async_read(socket, asio::buffer(out), http::use_tuple);
  REQUIRE_FALSE(ec);
  REQUIRE(got == n);
  co_return out;
}

// Sends `size` bytes of the file from `offset` as the snapshot sender does,
// in chunks of chunk_bytes; the first failure ends it.
asio::awaitable<std::error_code> send_in_chunks(http::connection& conn, int fd, std::uint64_t offset, std::size_t size) {
  for (std::size_t sent = 0; sent < size;) {
    const std::size_t n = std::min(chunk_bytes, size - sent);
    const auto ec = co_await detail::send_file_chunk(conn, fd, offset + sent, n, http::deadline_after(10s));
    if (ec) co_return ec;
    sent += n;
  }
  co_return std::error_code{};
}

// The wire bytes of sending [offset, offset + size) of `bytes` in chunks.
std::string expected_chunks(const std::string& bytes, std::size_t offset, std::size_t size) {
  std::string out;
  for (std::size_t sent = 0; sent < size; sent += chunk_bytes)
    out += chunk_on_wire(std::string_view(bytes).substr(offset + sent, std::min(chunk_bytes, size - sent)));
  return out;
}

// Starts sending the first `size` bytes of `file` as one chunk on `c`, in
// the background (the test meanwhile holds the peer's reads back); `sent`
// gets the outcome.
void start_chunk(asio::io_context& ctx, connected& c, const test_file& file, std::size_t size,
                 std::optional<std::error_code>& sent) {
  asio::co_spawn(ctx, [&c, &file, size, &sent]() -> asio::awaitable<void> {
    sent = co_await detail::send_file_chunk(*c.conn, file.fd, 0, size, http::deadline_after(10s));
  }, asio::detached);
}

}  // namespace

CORO_TEST_CASE("file chunks carry the file's bytes as write_chunk frames them, of every size") {
  const auto bytes = random_bytes(5 * chunk_bytes + 3);
  const test_file file(bytes);
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, chunk_bytes - 1, chunk_bytes, chunk_bytes + 1,
                                 5 * chunk_bytes + 3}) {
    CAPTURE(size);
    connected c(ctx);
    std::optional<std::error_code> sent;
    asio::co_spawn(ctx, [&]() -> asio::awaitable<void> { sent = co_await send_in_chunks(*c.conn, file.fd, 0, size); },
                   asio::detached);
    const auto expected = expected_chunks(bytes, 0, size);
    const auto got = co_await read_exactly(c.peer, expected.size());
    CO_WAIT_UNTIL(sent);
    CHECK_FALSE(*sent);
    CHECK(got == expected);
    // Nothing more came: the next bytes are the ones written after.
    c.conn->socket().write_some(asio::buffer("0\r\n\r\n", 5));
    CHECK(co_await read_exactly(c.peer, 5) == "0\r\n\r\n");
  }
}

CORO_TEST_CASE("a chunk the socket takes at once still lets the event loop run other work before it completes") {
  // A snapshot's chunks then take turns with everything else on the loop
  // (heartbeats to other peers) instead of running until the socket is full.
  const auto bytes = random_bytes(chunk_bytes);
  const test_file file(bytes);
  connected c(ctx);
  bool other_work_ran = false;
  asio::post(ctx, [&] { other_work_ran = true; });
  const auto ec = co_await detail::send_file_chunk(*c.conn, file.fd, 0, 1000, http::deadline_after(10s));
  CHECK_FALSE(ec);
  CHECK(other_work_ran);
  CHECK(co_await read_exactly(c.peer, chunk_on_wire(bytes.substr(0, 1000)).size()) ==
        chunk_on_wire(bytes.substr(0, 1000)));
}

CORO_TEST_CASE("a file chunk from the middle of a file: its range, not the file's start") {
  const auto bytes = random_bytes(3 * chunk_bytes);
  const test_file file(bytes);
  connected c(ctx);
  std::optional<std::error_code> sent;
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    sent = co_await send_in_chunks(*c.conn, file.fd, 1000, chunk_bytes + 5);
  }, asio::detached);
  const auto expected = expected_chunks(bytes, 1000, chunk_bytes + 5);
  const auto got = co_await read_exactly(c.peer, expected.size());
  CO_WAIT_UNTIL(sent);
  CHECK_FALSE(*sent);
  CHECK(got == expected);
}

CORO_TEST_CASE("a peer that stops reading: the chunk waits for room, then every byte arrives") {
  const auto bytes = random_bytes(4 * 1024 * 1024);
  const test_file file(bytes);
  connected c(ctx, true);
  std::optional<std::error_code> sent;
  start_chunk(ctx, c, file, bytes.size(), sent);
  co_await elapse(ctx, 200ms);
  CHECK_FALSE(sent);  // the socket is full: the sender waits, it neither failed nor spun
  const auto got = co_await read_exactly(c.peer, chunk_on_wire(bytes).size());
  CO_WAIT_UNTIL(sent);
  CHECK_FALSE(*sent);
  CHECK(got == chunk_on_wire(bytes));
}

CORO_TEST_CASE("closing the connection while a chunk waits for room ends the chunk: operation_aborted") {
  const auto bytes = random_bytes(4 * 1024 * 1024);
  const test_file file(bytes);
  connected c(ctx, true);
  std::optional<std::error_code> sent;
  start_chunk(ctx, c, file, bytes.size(), sent);
  co_await elapse(ctx, 100ms);
  REQUIRE_FALSE(sent);
  c.conn->close();  // a cancelled or stopped snapshot
  CO_WAIT_UNTIL(sent);
  CHECK(*sent == asio::error::operation_aborted);
}

CORO_TEST_CASE("the write deadline passing while the peer does not read: timeout") {
  const auto bytes = random_bytes(4 * 1024 * 1024);
  const test_file file(bytes);
  connected c(ctx, true);
  const auto ec = co_await detail::send_file_chunk(*c.conn, file.fd, 0, bytes.size(), http::deadline_after(200ms));
  CHECK(ec == http::errc::timeout);
}

CORO_TEST_CASE("a file that ends before the chunk does: snapshot_source_failed") {
  const auto bytes = random_bytes(1000);
  const test_file file(bytes);
  connected c(ctx);
  const auto shorter = co_await detail::send_file_chunk(*c.conn, file.fd, 0, 2000, http::deadline_after(10s));
  CHECK(shorter == errc::snapshot_source_failed);
  connected d(ctx);
  const auto past_end = co_await detail::send_file_chunk(*d.conn, file.fd, 1000, 1, http::deadline_after(10s));
  CHECK(past_end == errc::snapshot_source_failed);
}

CORO_TEST_CASE("a file sendfile cannot read fails the chunk with its errno") {
  scratch_dir dir;
  const int write_only = ::open((dir.path / "db").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(write_only >= 0);
  REQUIRE(::write(write_only, "0123456789", 10) == 10);
  connected c(ctx);
  const auto ec = co_await detail::send_file_chunk(*c.conn, write_only, 0, 10, http::deadline_after(10s));
  ::close(write_only);
  CHECK(ec == std::errc::bad_file_descriptor);  // the file's errno, not a write's error
}

TEST_CASE("sendfile to a socket shut for writing: EPIPE, and no SIGPIPE kills the process") {
  asio::io_context ctx;
  const test_file file(random_bytes(100));
  connected c(ctx);
  REQUIRE(::shutdown(c.conn->socket().native_handle(), SHUT_WR) == 0);
  off_t offset = 0;
  const auto r = detail::sendfile_quietly(c.conn->socket().native_handle(), file.fd, offset, 100);
  CHECK(r.done == -1);
  CHECK(r.error == EPIPE);
  sigset_t pending;
  sigpending(&pending);
  CHECK(sigismember(&pending, SIGPIPE) == 0);  // taken back, not left pending
}
