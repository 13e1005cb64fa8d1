// A snapshot's database bytes, both ways (doc/protocol.md 8): never held in
// memory whole, they are read piece by piece.
//
//   Sending:   a db_source gives the bytes of an outgoing snapshot
//              (memory_db_source, file_db_source, or the user's own).
//   Receiving: a db_reader hands the Snapshotter policy the bytes that follow
//              the MsgSnap envelope of a POST /raft/snapshot.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <system_error>
#include <tuple>
#include <utility>

#include <rafthttp/detail/on_thread.hpp>

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rafthttp {

// The bytes of a source that are a range of an open file: a sender on a
// plain TCP connection moves them from the page cache to the socket in the
// kernel (sendfile, snapshot/sendfile.hpp) instead of reading them. (A
// constructor, not aggregate initialisation: see raftpb::message on GCC 12.)
struct file_range {
  file_range(int file, std::uint64_t from, std::uint64_t length, asio::thread_pool* thread = nullptr)
      : fd(file), offset(from), size(length), io(thread) {}

  int fd;                  // open for reading for as long as the source lives
  std::uint64_t offset;    // the first byte
  std::uint64_t size;      // how many bytes the range has (the file's end may come sooner)
  asio::thread_pool* io;   // where blocking calls on the file may run (read-ahead), or none
};

// Where the database bytes of an outgoing snapshot come from: read_some fills
// `into` and returns how the read ended and how many bytes it wrote (0 at
// the end), in the order of Asio's as_tuple.
class db_source {
 public:
  using read_result = std::tuple<std::error_code, std::size_t>;
  virtual ~db_source() = default;
  virtual asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) = 0;

  // The bytes as a range of a file, for a sender that can send them without
  // reading them; asked once, before any read_some. A sender over TLS, and
  // any source that says none (the default), read with read_some.
  [[nodiscard]] virtual std::optional<file_range> as_file() { return std::nullopt; }
};

// A DB in memory (the caller keeps the bytes alive until the send ends).
class memory_db_source final : public db_source {
 public:
  explicit memory_db_source(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) override {
    const std::size_t n = std::min(into.size(), bytes_.size());
    std::copy_n(bytes_.begin(), n, into.begin());
    bytes_ = bytes_.subspan(n);
    co_return read_result(std::error_code{}, n);
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

// A DB in a file, read sequentially on a thread of its own (never on the
// event loop: a slow disk delays this snapshot, not the peers' heartbeats).
class file_db_source final : public db_source {
 public:
  explicit file_db_source(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), open_error_(fd_ < 0 ? errno : 0) {}
  ~file_db_source() override {
    if (fd_ >= 0) ::close(fd_);
  }
  file_db_source(const file_db_source&) = delete;

  [[nodiscard]] bool is_open() const { return fd_ >= 0; }

  // From the file's current position to its end as it is now (a file that
  // cannot be opened or is not a regular file has none: its reads say why).
  [[nodiscard]] std::optional<file_range> as_file() override {
    struct stat status {};
    if (fd_ < 0 || ::fstat(fd_, &status) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
    const off_t position = ::lseek(fd_, 0, SEEK_CUR);
    if (position < 0 || position > status.st_size) return std::nullopt;
    return file_range(fd_, static_cast<std::uint64_t>(position), static_cast<std::uint64_t>(status.st_size - position),
                      &io_);
  }

  asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) override {
    // A file that could not be opened fails the first read, with open's error.
    if (fd_ < 0) co_return read_result(std::error_code(open_error_, std::generic_category()), 0);
    const auto [n, read_error] = co_await detail::on_thread(io_, [&] {
      ssize_t got;
      do got = ::read(fd_, into.data(), into.size());
      while (got < 0 && errno == EINTR);
      return std::pair(got, got < 0 ? errno : 0);  // errno is the I/O thread's
    });
    if (n < 0) co_return read_result(std::error_code(read_error, std::generic_category()), 0);
    co_return read_result(std::error_code{}, static_cast<std::size_t>(n));
  }

 private:
  int fd_;
  int open_error_;
  asio::thread_pool io_{1};
};

// The database bytes of a received snapshot, as the Snapshotter policy reads
// them: how the read ended and the piece (a view valid until the next call;
// empty at the end), in the order of Asio's as_tuple.
class db_reader {
 public:
  virtual ~db_reader() = default;
  virtual asio::awaitable<std::tuple<std::error_code, std::span<const std::uint8_t>>> read_some() = 0;
};

}  // namespace rafthttp
