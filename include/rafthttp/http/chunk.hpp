// One chunk of a chunked HTTP body as the buffers of a single write: the size
// line, the data (not copied) and the CRLF after it. Stream writers and
// snapshot senders send every byte this way (write_chunk below).
#pragma once

#include <rafthttp/http/connection.hpp>
#include <rafthttp/http/fields.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <system_error>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>

namespace rafthttp::http {

class chunk_buffers {
 public:
  explicit chunk_buffers(std::span<const std::uint8_t> data)
      : buffers_{asio::buffer(size_line_, detail::chunk_size_line(size_line_, data.size())),
                 asio::buffer(data.data(), data.size()), asio::buffer("\r\n", 2)} {}
  // The buffers point into this object.
  chunk_buffers(const chunk_buffers&) = delete;
  chunk_buffers& operator=(const chunk_buffers&) = delete;

  [[nodiscard]] const std::array<asio::const_buffer, 3>& buffers() const { return buffers_; }

  // The buffers without their first `n` bytes: what a partial write left.
  [[nodiscard]] std::array<asio::const_buffer, 3> after(std::size_t n) const {
    auto rest = buffers_;
    for (auto& b : rest) {
      const std::size_t skipped = std::min(n, b.size());
      b += skipped;
      n -= skipped;
    }
    return rest;
  }

 private:
  char size_line_[20];  // hex digits of a size_t and CRLF
  std::array<asio::const_buffer, 3> buffers_;
};

// Writes `data` as one chunk before `deadline`, less its first `skip` bytes
// (what a non-blocking write of the same chunk already sent), awaiting the
// socket in this frame (connection::arm_write). Callers return this awaitable
// rather than await it in a coroutine of their own: a frame fewer per write.
inline asio::awaitable<std::error_code> write_chunk(connection& conn, std::span<const std::uint8_t> data,
                                                    clock::time_point deadline, std::size_t skip = 0) {
  if (data.empty()) co_return std::error_code{};  // an empty chunk would end the body
  const chunk_buffers chunk(data);
  const auto rest = chunk.after(skip);
  auto guard = conn.arm_write(deadline);
  auto [ec, n] = co_await conn.async_write(rest);
  (void)n;
  co_return guard.result(ec);
}

}  // namespace rafthttp::http
