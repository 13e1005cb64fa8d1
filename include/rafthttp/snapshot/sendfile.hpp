// One chunk of a chunked body whose data comes from a file, sent with Linux's
// sendfile(2): the bytes go from the page cache to the socket without passing
// through user space. The wire bytes are those of http::write_chunk: the size
// line, the data, CRLF. For plain TCP connections only (a TLS record has to
// be encrypted in user space, doc/architecture.md 5.1).
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>

#include <rafthttp/error.hpp>
#include <rafthttp/http/connection.hpp>
#include <rafthttp/http/fields.hpp>

#include <asio/awaitable.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/socket_base.hpp>
#include <asio/use_awaitable.hpp>

#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

namespace rafthttp::detail {

// What one non-blocking call on the socket did: bytes it moved, or -1 with
// the errno it left.
struct socket_call_result {
  ssize_t done;
  int error;
};

// sendfile(2) without SIGPIPE: a peer that is gone would otherwise kill the
// process (send() has MSG_NOSIGNAL, sendfile has no flag). SIGPIPE is blocked
// in this thread for the call, and the one the call raised is taken back
// before it is unblocked; one that was pending before is left as it was.
inline socket_call_result sendfile_quietly(int socket, int file, off_t& offset, std::size_t count) {
  sigset_t pipe_only, previous, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t done = ::sendfile(socket, file, &offset, count);
  const int error = done < 0 ? errno : 0;
  if (error == EPIPE && !was_pending) {
    const timespec now{};
    while (sigtimedwait(&pipe_only, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return {done, error};
}

// Repeats `call(done)` (a non-blocking call on the connection's socket that
// moves at most the `total - done` bytes still to go) until `total` bytes are
// moved, waiting for the socket to become writable whenever it is full. A
// call that moves nothing ends it with `ended_early`. The caller has armed
// the connection's write deadline.
template <class Call>
asio::awaitable<std::error_code> until_moved(http::connection& conn, std::size_t total, Call call,
                                             std::error_code ended_early) {
  std::size_t done = 0;
  while (done < total) {
    // Asked again each time: a closed connection (cancel, stop, the write
    // deadline) has no descriptor any more, and its old number may already
    // name another file.
    if (!conn.is_open()) co_return asio::error::operation_aborted;
    const socket_call_result r = call(conn.socket().native_handle(), done);
    if (r.done > 0) {
      done += static_cast<std::size_t>(r.done);
    } else if (r.done == 0) {
      co_return ended_early;
    } else if (r.error == EAGAIN || r.error == EWOULDBLOCK) {
      auto [ec] = co_await conn.socket().async_wait(asio::socket_base::wait_write, http::use_tuple);
      if (ec) co_return ec;
    } else if (r.error != EINTR) {
      co_return std::error_code(r.error, std::system_category());
    }
  }
  co_return std::error_code{};
}

// Sends `size` bytes of the file `file` from `offset` as one chunk on the
// plain connection `conn` before `deadline`. Fails with
// errc::snapshot_source_failed when the file ends before, with the file's or
// the socket's errno when sendfile fails, as a write does otherwise
// (errc::timeout after the deadline, connection_closed, operation_aborted
// once the connection is closed). After a failure the connection is in the
// middle of a chunk: close it.
//
// sendfile runs on the event loop and, as a read would, waits for the disk
// when the file's pages are not in the page cache: the wait that
// file_db_source's reads, on a thread of their own, keep off the loop. The
// sender asks the kernel to read ahead from that thread
// (snapshot_sender::send_from_file), so that sendfile finds the pages cached
// unless the disk is slower than the network.
inline asio::awaitable<std::error_code> send_file_chunk(http::connection& conn, int file, std::uint64_t offset,
                                                        std::size_t size, http::clock::time_point deadline) {
  if (size == 0) co_return std::error_code{};  // an empty chunk would end the body
  char size_line[20];
  const std::size_t line_length = chunk_size_line(size_line, size);
  auto guard = conn.arm_write(deadline);
  if (!conn.is_open()) co_return guard.result(asio::error::operation_aborted);
  std::error_code ec;
  conn.socket().non_blocking(true, ec);  // so that sendfile says EAGAIN instead of waiting
  if (ec) co_return guard.result(ec);
  // The size line goes out with the file's first bytes (MSG_MORE), the CRLF
  // on its own: the segments may differ from a write's, the bytes do not.
  // (Each step is a local: no temporaries in a co_await expression, GCC 12.)
  const std::error_code never_empty = asio::error::operation_aborted;  // send() moves at least a byte
  const std::error_code file_ended = errc::snapshot_source_failed;
  const auto send_line = [&size_line, line_length](int socket, std::size_t done) {
    const ssize_t n = ::send(socket, size_line + done, line_length - done, MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
    return socket_call_result{n, n < 0 ? errno : 0};
  };
  off_t position = static_cast<off_t>(offset);
  const auto send_data = [file, &position, size](int socket, std::size_t done) {
    return sendfile_quietly(socket, file, position, size - done);
  };
  const auto send_crlf = [](int socket, std::size_t done) {
    const ssize_t n = ::send(socket, "\r\n" + done, 2 - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    return socket_call_result{n, n < 0 ? errno : 0};
  };
  ec = co_await until_moved(conn, line_length, send_line, never_empty);
  if (!ec) ec = co_await until_moved(conn, size, send_data, file_ended);
  if (!ec) ec = co_await until_moved(conn, 2, send_crlf, never_empty);
  // As Asio's own writes do, the chunk completes through the event loop even
  // when the socket took it all at once: else a sender whose socket keeps
  // room runs chunk after chunk, megabytes of them, while other peers'
  // heartbeats wait for their turn.
  const auto result = ec == file_ended ? ec : guard.result(ec);
  co_await asio::post(conn.socket().get_executor(), asio::use_awaitable);
  co_return result;
}

}  // namespace rafthttp::detail
