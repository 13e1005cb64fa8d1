// Saving a received snapshot's database as etcd does (doc/protocol.md 8.3):
// file_snapshotter, a Snapshotter policy ready to use.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include <rafthttp/detail/on_thread.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/snapshot/db.hpp>
#include <rafthttp/units.hpp>

#include <asio/awaitable.hpp>
#include <asio/experimental/awaitable_operators.hpp>
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
  // What one write (one hand-off to the I/O thread) carries at most; two such
  // buffers per snapshot being received.
  static constexpr std::size_t batch_bytes = 1 * mib;
  // The batches of all the snapshots being received at once share this much;
  // a receive that finds it spent gathers into batches of small_batch_bytes,
  // what one socket read brings, so that a crowd of concurrent (or stalled)
  // senders holds no more than it did before batching.
  static constexpr std::size_t batch_memory_budget = 16 * mib;
  static constexpr std::size_t small_batch_bytes = 64 * kib;

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

  // What the receives under way hold in batches. Shared with each receive's
  // share: a receive that a stopped transport abandons is destroyed with its
  // io_context, which may be after this snapshotter. (Atomic: transports on
  // different threads may share a snapshotter.)
  using budget_count = std::shared_ptr<std::atomic<std::size_t>>;

  // A receive's share of the batch budget: the size of each of its two
  // batches, counted in `in_use` until the share ends.
  class budget_share {
   public:
    explicit budget_share(budget_count in_use) : in_use_(std::move(in_use)), each_(reserve(*in_use_)) {}
    budget_share(const budget_share&) = delete;
    ~budget_share() { *in_use_ -= 2 * each_; }

    [[nodiscard]] std::size_t each() const { return each_; }

   private:
    static std::size_t reserve(std::atomic<std::size_t>& in_use) {
      if (in_use.fetch_add(2 * batch_bytes) + 2 * batch_bytes <= batch_memory_budget) return batch_bytes;
      in_use -= 2 * (batch_bytes - small_batch_bytes);
      return small_batch_bytes;
    }

    budget_count in_use_;
    std::size_t each_;
  };

  // The two batch buffers of one receive, of the size its share allows.
  class batch_pair {
   public:
    explicit batch_pair(budget_count in_use)
        : share_(std::move(in_use)),
          filling_(std::make_unique_for_overwrite<std::uint8_t[]>(share_.each())),
          writing_(std::make_unique_for_overwrite<std::uint8_t[]>(share_.each())) {}

    [[nodiscard]] std::span<std::uint8_t> filling() { return {filling_.get(), share_.each()}; }
    // The batch just filled with `filled` bytes becomes the one to write.
    std::span<const std::uint8_t> turn(std::size_t filled) {
      std::swap(filling_, writing_);
      return {writing_.get(), filled};
    }

   private:
    budget_share share_;  // first: given back even when a buffer cannot be allocated
    std::unique_ptr<std::uint8_t[]> filling_;
    std::unique_ptr<std::uint8_t[]> writing_;
  };

  // Two batch buffers: the I/O thread writes one while the event loop fills
  // the other from the body, so socket reads and file writes overlap, and
  // each hand-off between the threads carries a batch, not one socket read.
  asio::awaitable<std::error_code> copy(db_reader& body, int fd) {
    using namespace asio::experimental::awaitable_operators;
    batch_filler fill(body);
    batch_pair batches(batch_memory_in_use_);
    write_position at;
    auto [read_error, filled] = co_await fill(batches.filling());
    while (!read_error && filled > 0) {
      const auto batch = batches.turn(filled);
      const auto [write_error, next] = co_await (write_batch(fd, batch, at) && fill(batches.filling()));
      if (write_error) co_return write_error;
      std::tie(read_error, filled) = next;
    }
    co_return read_error;
  }

  // Copies the body's pieces into a batch until it is full or the body ends;
  // the part of a piece that did not fit goes first into the next batch.
  class batch_filler {
   public:
    explicit batch_filler(db_reader& body) : body_(body) {}

    // How the reads ended and how many bytes the batch holds (0: the end).
    asio::awaitable<std::tuple<std::error_code, std::size_t>> operator()(std::span<std::uint8_t> batch) {
      std::size_t filled = 0;
      while (filled < batch.size()) {
        if (rest_.empty() && !ended_) {
          auto [ec, piece] = co_await body_.read_some();
          if (ec) co_return std::tuple(ec, filled);
          ended_ = piece.empty();
          rest_ = piece;
        }
        if (rest_.empty()) break;
        const std::size_t n = std::min(rest_.size(), batch.size() - filled);
        std::memcpy(batch.data() + filled, rest_.data(), n);
        rest_ = rest_.subspan(n);
        filled += n;
      }
      co_return std::tuple(std::error_code{}, filled);
    }

   private:
    db_reader& body_;
    std::span<const std::uint8_t> rest_;  // of the last piece read: valid until the next read
    bool ended_ = false;
  };

  struct write_position {
    std::uint64_t written = 0;
    std::uint64_t written_back = 0;
  };

  asio::awaitable<std::error_code> write_batch(int fd, std::span<const std::uint8_t> batch, write_position& at) {
    co_return co_await detail::on_thread(io_, [&] { return write_all(fd, batch, at); });
  }

  // On the I/O thread.
  std::error_code write_all(int fd, std::span<const std::uint8_t> batch, write_position& at) const {
    before("write");
    for (std::size_t done = 0; done < batch.size();) {
      const ssize_t n = ::write(fd, batch.data() + done, batch.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::error_code(errno, std::generic_category());
      done += static_cast<std::size_t>(n);
    }
    at.written += batch.size();
    if (at.written - at.written_back >= writeback_bytes) {
      ::sync_file_range(fd, static_cast<off_t>(at.written_back), static_cast<off_t>(at.written - at.written_back),
                        SYNC_FILE_RANGE_WRITE);
      at.written_back = at.written;
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
  budget_count batch_memory_in_use_ = std::make_shared<std::atomic<std::size_t>>(0);
  asio::thread_pool io_{1};
};

}  // namespace rafthttp
