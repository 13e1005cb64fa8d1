#include <rafthttp/http/chunk.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using rafthttp::http::chunk_buffers;

namespace {

std::string joined(const std::array<asio::const_buffer, 3>& buffers) {
  std::string out;
  for (const auto& b : buffers) out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

std::string joined(const chunk_buffers& chunk) { return joined(chunk.buffers()); }

}  // namespace

TEST_CASE("a chunk is its hex size line, the data, and CRLF") {
  const std::string text = "hello, raft";
  const chunk_buffers chunk(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  CHECK(joined(chunk) == "b\r\nhello, raft\r\n");
  // The data is referenced, not copied.
  CHECK(chunk.buffers()[1].data() == text.data());
}

TEST_CASE("chunk size lines of large sizes") {
  const std::vector<std::uint8_t> data(0x10000, 'x');
  const chunk_buffers chunk(data);
  const std::string all = joined(chunk);
  CHECK(all.substr(0, 7) == "10000\r\n");
  CHECK(all.size() == 7 + data.size() + 2);
  CHECK(all.substr(all.size() - 2) == "\r\n");
}

TEST_CASE("what a partial write of a chunk left: the rest of the size line, the data and the CRLF") {
  const std::string text = "hello, raft";
  const chunk_buffers chunk(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  const std::string all = joined(chunk);
  for (std::size_t n = 0; n <= all.size(); ++n) CHECK(joined(chunk.after(n)) == all.substr(n));
  CHECK(chunk.after(5)[1].data() == text.data() + 2);  // still the caller's bytes
}
