// The DB sources a sender reads from. (The reader a Snapshotter is given:
// tests/snapshot/file_snapshotter.cpp and receiver.cpp.)
#include <rafthttp/snapshot/db.hpp>

#include "support/snapshots.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace rafthttp;
using namespace rafthttp::test;

namespace {

// Everything a source gives, read into buffers of `step` bytes; the first
// read error ends it.
asio::awaitable<std::tuple<std::error_code, std::string>> drain(db_source& source, std::size_t step) {
  std::string out;
  std::vector<std::uint8_t> buffer(step);
  for (;;) {
    const auto [ec, n] = co_await source.read_some(buffer);
    if (ec) co_return std::tuple(ec, out);
    REQUIRE(n <= step);
    if (n == 0) co_return std::tuple(std::error_code{}, out);
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
}

}  // namespace

CORO_TEST_CASE("a memory source gives its bytes in order, at most a buffer at a time, then the end") {
  const auto db = db_bytes(10'000);
  memory_db_source source(as_bytes(db));
  const auto [ec, got] = co_await drain(source, 4096);
  CHECK_FALSE(ec);
  CHECK(got == db);
  const auto [again, after_end] = co_await drain(source, 4096);  // stays at the end
  CHECK_FALSE(again);
  CHECK(after_end.empty());
}

CORO_TEST_CASE("a file source reads the file off the event loop, byte for byte") {
  scratch_dir dir;
  const auto db = db_bytes(700'001);
  { std::ofstream(dir.path / "db", std::ios::binary) << db; }
  file_db_source source(dir.path / "db");
  REQUIRE(source.is_open());
  const auto [ec, got] = co_await drain(source, 64 * 1024);
  CHECK_FALSE(ec);
  CHECK(got == db);
}

CORO_TEST_CASE("a file that cannot be opened fails the first read with open's error") {
  scratch_dir dir;
  file_db_source source(dir.path / "missing");
  CHECK_FALSE(source.is_open());
  const auto [ec, got] = co_await drain(source, 4096);
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK(got.empty());
}

CORO_TEST_CASE("a file source's bytes as a file range: the whole file before any read; none for a memory source") {
  scratch_dir dir;
  const auto db = db_bytes(300'000);
  { std::ofstream(dir.path / "db", std::ios::binary) << db; }
  file_db_source source(dir.path / "db");
  const auto range = source.as_file();
  REQUIRE(range);
  CHECK(range->fd >= 0);
  CHECK(range->offset == 0);
  CHECK(range->size == db.size());
  CHECK(range->io != nullptr);  // its thread, for read-ahead
  std::string through_fd(db.size(), '\0');
  CHECK(::pread(range->fd, through_fd.data(), through_fd.size(), 0) == static_cast<ssize_t>(db.size()));
  CHECK(through_fd == db);
  memory_db_source memory(as_bytes(db));
  CHECK_FALSE(memory.as_file());
  co_return;
}

TEST_CASE("a file that cannot be opened, or is not a regular file, has no file range: its reads say why") {
  scratch_dir dir;
  file_db_source missing(dir.path / "missing");
  CHECK_FALSE(missing.as_file());
  file_db_source directory(dir.path);  // opens, but sendfile cannot read it
  CHECK_FALSE(directory.as_file());
}
