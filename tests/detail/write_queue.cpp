#include <rafthttp/detail/write_queue.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

using rafthttp::detail::byte_buffer;
using rafthttp::detail::write_queue;

namespace {

constexpr std::size_t mib = 1024 * 1024;

// Appends `n` bytes of `fill` as one message to the queue's last segment.
void append_message(write_queue& q, std::size_t n, std::uint8_t fill) {
  auto& segment = q.back_for(n);
  std::vector<std::uint8_t> bytes(n, fill);
  segment.bytes.append(bytes);
  ++segment.messages;
  segment.protobuf_bytes += n;
}

}  // namespace

TEST_CASE("write_queue: messages fill a segment up to segment_bytes, then the next one") {
  write_queue q;
  CHECK(q.empty());
  for (int i = 0; i < 9; ++i) append_message(q, mib, static_cast<std::uint8_t>(i));
  // 1 MiB messages: four fill a 4 MiB segment exactly.
  CHECK(q.segments() == 3);
  CHECK(q.size() == 9 * mib);
  CHECK(q.front().messages == 4);
  CHECK(q.front().bytes.size() == write_queue::segment_bytes);

  // Frames a little larger than 1 MiB: the buffer the third one grew holds a
  // fourth, so that what a segment allocates is what it carries.
  write_queue frames;
  for (int i = 0; i < 8; ++i) append_message(frames, mib + 25, static_cast<std::uint8_t>(i));
  CHECK(frames.segments() == 2);
  CHECK(frames.front().messages == 4);
  CHECK(frames.front().bytes.capacity() == frames.front().bytes.size());

  // A message larger than a segment makes one of its own.
  append_message(q, write_queue::segment_bytes + 1, 0xff);
  CHECK(q.segments() == 4);
  append_message(q, 10, 0xee);
  CHECK(q.segments() == 5);
}

TEST_CASE("write_queue: a spare reused for a later segment gets the capacity asked for, not twice its own") {
  // A segment past the first reserves what the last one grew to; a spare a
  // little smaller than that used to be doubled, so segments crept towards
  // max_spare_capacity.
  write_queue q;
  byte_buffer four;
  four.reserve(write_queue::segment_bytes);
  q.give_back(std::move(four));  // the spare the second segment gets
  byte_buffer small;
  small.reserve(256);
  q.give_back(std::move(small));  // the first segment's: it grows by doubling
  for (int i = 0; i < 5; ++i) append_message(q, mib + 25, static_cast<std::uint8_t>(i));
  REQUIRE(q.segments() == 2);
  CHECK(q.front().messages == 4);
  const std::size_t last_grew_to = q.front().bytes.capacity();
  CHECK(last_grew_to > write_queue::segment_bytes);
  byte_buffer writing;
  (void)q.pop_front(writing);
  CHECK(q.front().bytes.capacity() == last_grew_to);
}

TEST_CASE("byte_buffer: reserve gives exactly what is asked when it allocates, keeps the bytes, and compacts when that suffices") {
  std::vector<std::uint8_t> counting(300);
  for (std::size_t i = 0; i < counting.size(); ++i) counting[i] = static_cast<std::uint8_t>(i);
  byte_buffer b;
  b.append(counting);
  const std::size_t grown = b.capacity();
  b.reserve(grown + 1);
  CHECK(b.capacity() == grown + 1);
  REQUIRE(b.size() == 300);
  CHECK(std::equal(counting.begin(), counting.end(), b.data()));
  b.consume(200);
  b.reserve(b.capacity() - 10);  // fits once the 100 bytes left move to the front
  CHECK(b.capacity() == grown + 1);
  REQUIRE(b.size() == 100);
  CHECK(std::equal(counting.begin() + 200, counting.end(), b.data()));
  b.reserve(50);  // already there: nothing changes
  CHECK(b.capacity() == grown + 1);
}

TEST_CASE("write_queue: the writer takes the first segment whole, without a copy, in order") {
  write_queue q;
  for (int i = 0; i < 6; ++i) append_message(q, mib, static_cast<std::uint8_t>(i));
  const std::uint8_t* first_data = q.front().bytes.data();

  byte_buffer writing;
  const auto taken = q.pop_front(writing);
  CHECK(taken.messages == 4);
  CHECK(taken.protobuf_bytes == 4 * mib);
  CHECK(writing.data() == first_data);  // the same storage
  CHECK(writing.size() == 4 * mib);
  CHECK(writing.data()[0] == 0);
  CHECK(writing.data()[4 * mib - 1] == 3);
  CHECK(q.segments() == 1);
  CHECK(q.size() == 2 * mib);
  CHECK(q.front().bytes.data()[0] == 4);
}

TEST_CASE("write_queue: emptied buffers are reused for the next segments, so a steady flow does not allocate") {
  write_queue q;
  byte_buffer writing;
  append_message(q, 1000, 1);
  (void)q.pop_front(writing);
  const std::uint8_t* a = writing.data();
  writing.clear();

  // The writer's emptied buffer goes to the queue when it takes the next
  // segment, and the segment after that is built in it.
  append_message(q, 1000, 2);
  const std::uint8_t* b = q.front().bytes.data();
  CHECK(b != a);
  (void)q.pop_front(writing);
  CHECK(writing.data() == b);
  writing.clear();
  append_message(q, 1000, 3);
  CHECK(q.front().bytes.data() == a);
}

TEST_CASE("write_queue: a buffer a one-off large message grew is freed, not kept as a spare") {
  write_queue q;
  byte_buffer big;
  big.reserve(write_queue::max_spare_capacity + 1);
  q.give_back(std::move(big));
  append_message(q, 100, 1);
  CHECK(q.front().bytes.capacity() < write_queue::max_spare_capacity);
}

TEST_CASE("write_queue: an append that wrote nothing leaves no empty segment behind; clear drops everything") {
  write_queue q;
  (void)q.back_for(100);
  CHECK(q.segments() == 1);
  q.drop_empty_back();
  CHECK(q.empty());

  append_message(q, 100, 1);
  q.drop_empty_back();  // not empty: stays
  CHECK(q.segments() == 1);
  append_message(q, write_queue::segment_bytes, 2);
  CHECK(q.segments() == 2);
  q.clear();
  CHECK(q.empty());
  CHECK(q.size() == 0);
}

TEST_CASE("write_queue: the spares a whole period did not need are freed at its end, all but two") {
  write_queue q;
  for (int i = 0; i < 5; ++i) {
    byte_buffer b;
    b.reserve(1000);
    q.give_back(std::move(b));
  }
  CHECK(q.spares() == 5);
  q.trim_unused_spares();  // the first period: nothing is known yet
  CHECK(q.spares() == 5);

  // A period that needed one of them: three were never used.
  append_message(q, 100, 1);
  CHECK(q.spares() == 4);
  byte_buffer writing;
  (void)q.pop_front(writing);
  CHECK(q.spares() == 4);  // `writing` had no buffer to give back
  q.trim_unused_spares();
  CHECK(q.spares() == write_queue::idle_spares);
  q.trim_unused_spares();  // idle: two stay
  CHECK(q.spares() == write_queue::idle_spares);

  // A period that used every spare keeps what it gave back.
  writing.clear();
  append_message(q, 100, 2);
  append_message(q, write_queue::segment_bytes, 3);
  append_message(q, write_queue::segment_bytes, 4);  // no spare left: a new buffer
  CHECK(q.spares() == 0);
  while (!q.empty()) {
    (void)q.pop_front(writing);
    writing.clear();
  }
  const auto kept = q.spares();
  CHECK(kept >= 2);
  q.trim_unused_spares();
  CHECK(q.spares() == kept);
}

TEST_CASE("write_queue: free_spares lets every spare go (a writer without a connection)") {
  write_queue q;
  append_message(q, write_queue::segment_bytes, 1);
  append_message(q, write_queue::segment_bytes, 2);
  q.clear();
  CHECK(q.spares() == 2);
  q.free_spares();
  CHECK(q.spares() == 0);
  append_message(q, 100, 3);  // a new segment from a new buffer
  CHECK(q.segments() == 1);
}
