// etcd's way of saving a received DB: %016x.snap.db, written to a temporary
// file, fsynced, renamed, the directory fsynced; an existing file is kept.
#include <rafthttp/snapshot/file_snapshotter.hpp>

#include "support/snapshots.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

using namespace rafthttp;
using namespace rafthttp::test;

namespace {

// A body given in pieces, which fails (with `fail_with`) where the pieces end
// if that is set, as a connection cut mid-body does.
class pieces_reader final : public db_reader {
 public:
  explicit pieces_reader(std::vector<std::string> pieces, std::error_code fail_with = {})
      : pieces_(std::move(pieces)), fail_with_(fail_with) {}
  asio::awaitable<std::tuple<std::error_code, std::span<const std::uint8_t>>> read_some() override {
    if (next_ == pieces_.size()) co_return std::tuple(fail_with_, std::span<const std::uint8_t>{});
    co_return std::tuple(std::error_code{}, as_bytes(pieces_[next_++]));
  }

 private:
  std::vector<std::string> pieces_;
  std::error_code fail_with_;
  std::size_t next_ = 0;
};

// Pieces of `piece_bytes` until `total` bytes, the last one shorter.
std::vector<std::string> cut(const std::string& db, std::size_t piece_bytes) {
  std::vector<std::string> pieces;
  for (std::size_t at = 0; at < db.size(); at += piece_bytes) pieces.push_back(db.substr(at, piece_bytes));
  return pieces;
}

std::size_t count(const std::vector<std::string>& operations, std::string_view which) {
  return static_cast<std::size_t>(std::count(operations.begin(), operations.end(), which));
}

}  // namespace

TEST_CASE("a DB's file is named after its index as etcd names it") {
  file_snapshotter snaps("/var/lib/member/snap");
  CHECK(snaps.db_path(42) == fs::path("/var/lib/member/snap/000000000000002a.snap.db"));
  CHECK(snaps.db_path(0xffff'ffff'ffff'ffff) == fs::path("/var/lib/member/snap/ffffffffffffffff.snap.db"));
}

CORO_TEST_CASE("the DB is written to a temporary file, fsynced, and only then appears under its name") {
  scratch_dir dir;
  std::vector<std::string> operations;
  bool target_before_fsync = false;
  file_snapshotter snaps(dir.path, [&](std::string_view operation) {
    // On the snapshotter's I/O thread; the event loop waits for it meanwhile.
    if (operation == "fsync" && operations.size() == 3) target_before_fsync = fs::exists(dir.path / "0000000000000009.snap.db");
    operations.emplace_back(operation);
  });
  pieces_reader body({"first ", "second ", "third"});
  const auto ec = co_await snaps.save_db(msnap(9), body);
  CHECK_FALSE(ec);
  CHECK(read_file(dir.path / "0000000000000009.snap.db") == "first second third");
  CHECK(dir.files() == std::vector<std::string>{"0000000000000009.snap.db"});  // no temporary file left
  // The pieces written as one batch, the file's fsync before the rename, the directory's after.
  CHECK(operations == std::vector<std::string>{"write", "fsync", "fsync"});
  CHECK_FALSE(target_before_fsync);
}

CORO_TEST_CASE("a body that ends in an error leaves no file behind") {
  scratch_dir dir;
  file_snapshotter snaps(dir.path);
  pieces_reader body({"part of the DB"}, std::make_error_code(std::errc::connection_reset));
  const auto ec = co_await snaps.save_db(msnap(9), body);
  CHECK(ec == std::errc::connection_reset);
  CHECK(dir.files().empty());
}

CORO_TEST_CASE("a directory that cannot be written fails the save") {
  scratch_dir dir;
  file_snapshotter snaps(dir.path / "missing");
  pieces_reader body({"DB"});
  const auto ec = co_await snaps.save_db(msnap(9), body);
  CHECK(ec == std::errc::no_such_file_or_directory);
}

CORO_TEST_CASE("an existing file is kept: the save succeeds and the bytes are dropped") {
  snapshot_pair p(ctx);
  { std::ofstream(p.dir.path / "0000000000000007.snap.db") << "original"; }
  const auto db = db_bytes(5000);
  const auto ec = std::get<0>(co_await p.sender.async_send_snapshot(
      snapshot_message(msnap(7), std::make_unique<memory_db_source>(as_bytes(db)), db.size()), test::use_tuple));
  CHECK_FALSE(ec);
  CHECK(read_file(p.dir.path / "0000000000000007.snap.db") == "original");
  CHECK(p.dir.files().size() == 1);
  co_await p.sender.async_stop(asio::use_awaitable);
  co_await p.receiver.async_stop(asio::use_awaitable);
}

CORO_TEST_CASE("pieces of any size are gathered into whole batches, one write each") {
  scratch_dir dir;
  std::vector<std::string> operations;
  file_snapshotter snaps(dir.path, [&](std::string_view operation) { operations.emplace_back(operation); });
  const std::size_t batch = file_snapshotter::batch_bytes;
  const auto db = db_bytes(3 * batch + batch / 2);
  // Tiny pieces, pieces that straddle a batch's end, one larger than a batch.
  std::vector<std::string> pieces = cut(db.substr(0, 1000), 7);
  for (auto& piece : cut(db.substr(1000, batch), 65'521)) pieces.push_back(std::move(piece));
  pieces.push_back(db.substr(1000 + batch));
  pieces_reader body(std::move(pieces));
  const auto ec = co_await snaps.save_db(msnap(9), body);
  CHECK_FALSE(ec);
  CHECK(read_file(dir.path / "0000000000000009.snap.db") == db);
  CHECK(count(operations, "write") == 4);
}

CORO_TEST_CASE("the next batch is read from the body while the last one is written") {
  // The first write waits (a bounded while) for the body to be read past the
  // first batch: a copy that only reads between writes never gets there.
  scratch_dir dir;
  std::mutex m;
  std::condition_variable cv;
  std::size_t pieces_read = 0;
  std::size_t writes = 0;
  bool overlapped = false;
  const std::size_t batch = file_snapshotter::batch_bytes;
  const std::size_t piece_bytes = batch / 4;
  file_snapshotter snaps(dir.path, [&](std::string_view operation) {
    if (operation != "write") return;
    std::unique_lock lock(m);
    if (writes++ == 0) overlapped = cv.wait_for(lock, std::chrono::seconds(10), [&] { return pieces_read > 4; });
  });
  class counting_reader final : public db_reader {
   public:
    counting_reader(std::vector<std::string> pieces, std::mutex& m, std::condition_variable& cv, std::size_t& read)
        : inner_(std::move(pieces)), m_(m), cv_(cv), read_(read) {}
    asio::awaitable<std::tuple<std::error_code, std::span<const std::uint8_t>>> read_some() override {
      auto piece = co_await inner_.read_some();
      {
        const std::lock_guard lock(m_);
        ++read_;
      }
      cv_.notify_all();
      co_return piece;
    }

   private:
    pieces_reader inner_;
    std::mutex& m_;
    std::condition_variable& cv_;
    std::size_t& read_;
  };
  const auto db = db_bytes(3 * batch);
  counting_reader body(cut(db, piece_bytes), m, cv, pieces_read);
  const auto ec = co_await snaps.save_db(msnap(9), body);
  CHECK_FALSE(ec);
  CHECK(overlapped);
  CHECK(read_file(dir.path / "0000000000000009.snap.db") == db);
}

CORO_TEST_CASE("a body that fails after some batches were written leaves no file behind") {
  scratch_dir dir;
  file_snapshotter snaps(dir.path);
  const auto db = db_bytes(2 * file_snapshotter::batch_bytes + 12345);
  pieces_reader body(cut(db, 100'000), std::make_error_code(std::errc::connection_reset));
  const auto ec = co_await snaps.save_db(msnap(9), body);
  CHECK(ec == std::errc::connection_reset);
  CHECK(dir.files().empty());
}
