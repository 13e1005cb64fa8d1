// Saving a received snapshot's database as etcd does (doc/protocol.md 8.3):
// file_snapshotter, a Snapshotter policy ready to use.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <rafthttp/detail/on_thread.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/snapshot/db.hpp>
#include <rafthttp/units.hpp>

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace rafthttp {

// etcd's snapshotter for received databases (doc/protocol.md 8.3): the DB of
// index i becomes <dir>/<i as %016x>.snap.db, written to a temporary file,
// fsynced, then renamed; the directory is fsynced after the rename (etcd does
// not, we do: a crash must not lose a file raft was told about). If the file
// exists already, the received bytes are discarded and the save succeeds.
class file_snapshotter {
 public:
  // `before_io(operation)` runs on the I/O thread before each "write" and
  // "fsync": a place to observe or throttle the disk work (tests make the
  // disk slow with it).
  explicit file_snapshotter(std::filesystem::path dir, std::function<void(std::string_view operation)> before_io = {})
      : dir_(std::move(dir)), before_io_(std::move(before_io)) {}
  file_snapshotter(const file_snapshotter&) = delete;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

  [[nodiscard]] std::filesystem::path db_path(std::uint64_t index) const {
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.snap.db", static_cast<unsigned long long>(index));
    return dir_ / name;
  }

  // The file work (open, write, fsync, rename) runs on a thread of the
  // snapshotter's own, never on the event loop: a slow disk delays this
  // snapshot, not every peer's heartbeats.
  asio::awaitable<std::error_code> save_db(const message& msnap, db_reader& body) {
    const auto target = db_path(msnap.snapshot.metadata.index);
    const auto temp = dir_ / ("tmp" + std::to_string(std::random_device{}()));
    const auto [fd, open_error] = co_await detail::on_thread(io_, [&] {
      const int opened = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      return std::pair(opened, opened < 0 ? errno : 0);  // errno is the I/O thread's
    });
    if (fd < 0) co_return std::error_code(open_error, std::generic_category());
    auto ec = co_await copy(body, fd);
    co_return co_await detail::on_thread(io_, [&] { return finish(fd, temp, target, ec); });
  }

 private:
  // Starting write-back as the file grows keeps the final fsync short.
  static constexpr std::size_t writeback_bytes = 8 * mib;

  void before(std::string_view operation) const {
    if (before_io_) before_io_(operation);
  }

  asio::awaitable<std::error_code> copy(db_reader& body, int fd) {
    std::uint64_t written = 0, written_back = 0;
    for (;;) {
      const auto [read_error, piece] = co_await body.read_some();
      if (read_error) co_return read_error;
      if (piece.empty()) co_return std::error_code{};
      const auto ec = co_await detail::on_thread(io_, [&] { return write_all(fd, piece, written, written_back); });
      if (ec) co_return ec;
    }
  }

  // On the I/O thread.
  std::error_code write_all(int fd, std::span<const std::uint8_t> piece, std::uint64_t& written,
                            std::uint64_t& written_back) const {
    before("write");
    for (std::size_t at = 0; at < piece.size();) {
      const ssize_t n = ::write(fd, piece.data() + at, piece.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::error_code(errno, std::generic_category());
      at += static_cast<std::size_t>(n);
    }
    written += piece.size();
    if (written - written_back >= writeback_bytes) {
      ::sync_file_range(fd, static_cast<off_t>(written_back), static_cast<off_t>(written - written_back),
                        SYNC_FILE_RANGE_WRITE);
      written_back = written;
    }
    return {};
  }

  // On the I/O thread: fsync and close the temp file, then put it in place
  // (etcd's SaveDBFrom: an existing file is kept) and fsync the directory;
  // the temp file goes on any failure.
  std::error_code finish(int fd, const std::filesystem::path& temp, const std::filesystem::path& target,
                         std::error_code ec) const {
    if (!ec) ec = sync(fd);
    if (::close(fd) != 0 && !ec) ec = std::error_code(errno, std::generic_category());
    std::error_code ignored;
    if (ec || std::filesystem::exists(target, ignored)) {
      std::filesystem::remove(temp, ignored);
      return ec;
    }
    std::filesystem::rename(temp, target, ec);
    if (ec) {
      std::filesystem::remove(temp, ignored);
      return ec;
    }
    return sync_directory(dir_);
  }

  std::error_code sync(int fd) const {
    before("fsync");
    return ::fsync(fd) == 0 ? std::error_code{} : std::error_code(errno, std::generic_category());
  }

  std::error_code sync_directory(const std::filesystem::path& dir) const {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return std::error_code(errno, std::generic_category());
    const auto ec = sync(fd);
    ::close(fd);
    return ec;
  }

  std::filesystem::path dir_;
  std::function<void(std::string_view)> before_io_;
  asio::thread_pool io_{1};
};

}  // namespace rafthttp
