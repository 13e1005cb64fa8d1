// A growable byte buffer that does not zero what it grows into (encoders write
// every byte), keeps its capacity when cleared, and can drop bytes from its front.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace rafthttp::detail {

class byte_buffer {
 public:
  byte_buffer() = default;
  byte_buffer(byte_buffer&& other) noexcept { swap(other); }
  byte_buffer& operator=(byte_buffer&& other) noexcept {
    swap(other);
    return *this;
  }

  [[nodiscard]] std::uint8_t* data() { return storage_.get() + begin_; }
  [[nodiscard]] const std::uint8_t* data() const { return storage_.get() + begin_; }
  [[nodiscard]] std::size_t size() const { return end_ - begin_; }
  [[nodiscard]] bool empty() const { return end_ == begin_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {data(), size()}; }

  // Makes room for n more bytes at the end and returns where they go.
  [[nodiscard]] std::uint8_t* grow(std::size_t n) {
    if (capacity_ - end_ < n) make_room(n);
    std::uint8_t* at = storage_.get() + end_;
    end_ += n;
    return at;
  }

  void append(std::span<const std::uint8_t> bytes) {
    if (!bytes.empty()) std::memcpy(grow(bytes.size()), bytes.data(), bytes.size());
  }

  // Makes room for `n` bytes in all without growing again: exactly `n` when
  // it allocates (unlike growth by appends, which doubles), so that a reused
  // buffer reserved for a known size does not grow to twice its capacity.
  void reserve(std::size_t n) {
    if (n <= capacity_ - begin_) return;
    if (n <= capacity_) {
      compact();
    } else {
      reallocate(n);
    }
  }

  // Drops n bytes from the front (a read buffer hands out what it parsed).
  void consume(std::size_t n) {
    begin_ += std::min(n, size());
    if (begin_ == end_) begin_ = end_ = 0;
  }

  // Drops bytes from the back (undoes a grow that was not filled).
  void shrink_back(std::size_t n) { end_ -= std::min(n, size()); }

  void clear() { begin_ = end_ = 0; }

  // Frees memory above `keep` bytes of capacity when the buffer is empty, so
  // that one burst does not pin a large allocation for a connection's lifetime.
  void trim(std::size_t keep) {
    if (empty() && capacity_ > keep) {
      storage_.reset();
      capacity_ = begin_ = end_ = 0;
    }
  }

  void swap(byte_buffer& other) noexcept {
    std::swap(storage_, other.storage_);
    std::swap(capacity_, other.capacity_);
    std::swap(begin_, other.begin_);
    std::swap(end_, other.end_);
  }

 private:
  void make_room(std::size_t n) {
    const std::size_t used = size();
    if (begin_ > 0 && capacity_ - used >= n && used <= capacity_ / 2) {
      compact();  // instead of growing
    } else {
      reallocate(std::max({used + n, capacity_ * 2, std::size_t{256}}));
    }
  }

  // Moves the bytes to the front of the storage.
  void compact() {
    const std::size_t used = size();
    if (begin_ > 0 && used > 0) std::memmove(storage_.get(), data(), used);
    begin_ = 0;
    end_ = used;
  }

  // New storage of `capacity` bytes (at least size()) holding the bytes.
  void reallocate(std::size_t capacity) {
    const std::size_t used = size();
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    if (used > 0) std::memcpy(bigger.get(), data(), used);
    storage_ = std::move(bigger);
    capacity_ = capacity;
    begin_ = 0;
    end_ = used;
  }

  std::unique_ptr<std::uint8_t[]> storage_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// The stream codecs write every integer as uint64 big-endian.
inline void store_be64(std::uint8_t* at, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) at[i] = static_cast<std::uint8_t>(v);
}

[[nodiscard]] inline std::uint64_t load_be64(const std::uint8_t* at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | at[i];
  return v;
}

inline void append_be64(byte_buffer& out, std::uint64_t v) { store_be64(out.grow(8), v); }

}  // namespace rafthttp::detail
