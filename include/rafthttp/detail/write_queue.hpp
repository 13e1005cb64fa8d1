// The encoded bytes a stream writer holds for its connection, as a queue of
// segments: the writer appends to the last segment until it holds about
// segment_bytes, and its coroutine takes the first one whole and writes it as
// one chunk. So the buffer on the socket and the one being filled stay near
// segment_bytes each whatever the queue holds: what a writer touches follows
// what it holds (the peer's byte cap bounds that), rather than growing two
// buffers that take turns to the size of the whole queue. Each segment
// written frees its share of the cap while the rest wait.
//
// Emptied buffers are kept as spares for the next segments, so a steady flow,
// of small messages or of large ones, does not allocate; the spares a whole
// period between two trim_unused_spares() calls did not need are freed, so
// that a burst does not pin its peak after it ends.
#pragma once

#include <rafthttp/detail/byte_buffer.hpp>

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <vector>

namespace rafthttp::detail {

class write_queue {
 public:
  // What one segment holds, and so what one write carries, at most (a single
  // larger message makes a segment of its own).
  static constexpr std::size_t segment_bytes = 4 * 1024 * 1024;
  // Spares kept however long they stay unused, and the largest capacity kept
  // at all: a buffer a one-off large message grew is freed.
  static constexpr std::size_t idle_spares = 2;
  static constexpr std::size_t max_spare_capacity = 2 * segment_bytes;

  struct segment {
    byte_buffer bytes;
    std::size_t messages = 0;        // raft messages in it (not link heartbeats)
    std::size_t protobuf_bytes = 0;  // their protobuf sizes, heartbeats' included
  };

  write_queue() {
    segments_.reserve(4);
    spares_.reserve(idle_spares * 2);
  }
  write_queue(const write_queue&) = delete;
  write_queue& operator=(const write_queue&) = delete;

  [[nodiscard]] bool empty() const { return segments_.empty(); }
  [[nodiscard]] std::size_t segments() const { return segments_.size(); }
  [[nodiscard]] segment& front() { return segments_.front(); }

  // Encoded bytes in all segments.
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (const auto& s : segments_) n += s.bytes.size();
    return n;
  }

  // The segment to append about `n` more bytes to: the last one while they
  // fit within segment_bytes, or within the capacity its buffer already has
  // (a buffer grows by doubling: four frames of a little over 1 MiB fill the
  // 4 MiB and some bytes the third one grew it to), else a new one. An append
  // that writes nothing must be followed by drop_empty_back().
  [[nodiscard]] segment& back_for(std::size_t n) {
    if (segments_.empty()) {
      segments_.push_back({take_spare(), 0, 0});
    } else if (!fits(segments_.back().bytes, n)) {
      // A queue longer than a segment: a flow that fills them, so a new
      // buffer gets at once what the last one grew to (within bounds)
      // rather than growing by doubling.
      const std::size_t like_last = std::clamp(segments_.back().bytes.capacity(), segment_bytes, max_spare_capacity);
      segments_.push_back({take_spare(), 0, 0});
      segments_.back().bytes.reserve(std::max(like_last, n));
    }
    return segments_.back();
  }

  // Forgets a last segment that stayed empty (its append failed).
  void drop_empty_back() {
    if (!segments_.empty() && segments_.back().bytes.empty()) {
      give_back(std::move(segments_.back().bytes));
      segments_.pop_back();
    }
  }

  // Moves the first segment's bytes into `into` and returns its counts;
  // `into`'s previous buffer becomes a spare.
  struct counts {
    std::size_t messages = 0;
    std::size_t protobuf_bytes = 0;
  };
  counts pop_front(byte_buffer& into) {
    assert(!segments_.empty());
    segment& first = segments_.front();
    const counts taken{first.messages, first.protobuf_bytes};
    into.swap(first.bytes);
    byte_buffer previous = std::move(first.bytes);
    segments_.erase(segments_.begin());
    give_back(std::move(previous));
    return taken;
  }

  // Drops every segment.
  void clear() {
    for (auto& s : segments_) give_back(std::move(s.bytes));
    segments_.clear();
  }

  // An emptied buffer for reuse: kept as a spare unless a one-off large
  // message grew it.
  void give_back(byte_buffer buffer) {
    buffer.clear();
    if (buffer.capacity() > 0 && buffer.capacity() <= max_spare_capacity) spares_.push_back(std::move(buffer));
  }

  // Frees the spares that stayed unused since the last call (beyond
  // idle_spares): the fewest spares there were in that period were not
  // needed by it. The writer calls this once a second
  // (stream_writer::spare_trim_period).
  void trim_unused_spares() {
    const std::size_t unused = std::min(fewest_spares_, spares_.size());
    for (std::size_t i = idle_spares; i < unused; ++i) spares_.pop_back();
    fewest_spares_ = spares_.size();
  }

  // Frees every spare (the writer lost its connection).
  void free_spares() {
    spares_.clear();
    fewest_spares_ = 0;
  }

  [[nodiscard]] std::size_t spares() const { return spares_.size(); }

 private:
  static bool fits(const byte_buffer& b, std::size_t n) {
    return b.size() + n <= std::max(segment_bytes, b.capacity());
  }

  byte_buffer take_spare() {
    if (spares_.empty()) {
      fewest_spares_ = 0;
      return {};
    }
    byte_buffer b = std::move(spares_.back());
    spares_.pop_back();
    fewest_spares_ = std::min(fewest_spares_, spares_.size());
    return b;
  }

  std::vector<segment> segments_;
  std::vector<byte_buffer> spares_;
  std::size_t fewest_spares_ = 0;  // since the last trim_unused_spares()
};

}  // namespace rafthttp::detail
