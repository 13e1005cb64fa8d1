// check64, the checksum of the peers' --digest cheap (examples/rafthttp-peer/
// check64.hpp, doc/peer-cli.md 7.6): the vectors shared with the Go peer's
// test (tests/interop/goref/check64_test.go), computed independently in
// Python, what a corrupted or short transfer does to it, and the message
// digests of cheap mode (digest.hpp).
#include "../examples/rafthttp-peer/check64.hpp"
#include "../examples/rafthttp-peer/digest.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace {

using peer_cli::check64;
using peer_cli::check64_hex;

std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

// bytes 0, 1, ..., n-1 (mod 256)
std::vector<std::uint8_t> counting(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

// The DB body of doc/peer-cli.md 6.2: the first n bytes of stream(seed, 2^64-1).
std::vector<std::uint8_t> db_body(std::uint64_t seed, std::size_t n) {
  std::uint64_t s = seed ^ (~std::uint64_t{0} * 0xD6E8FEB86659FD93);
  std::vector<std::uint8_t> out;
  out.reserve(n + 8);
  while (out.size() < n) {
    s += 0x9E3779B97F4A7C15;
    std::uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
    z ^= z >> 31;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(z >> (8 * i)));
  }
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("check64: the shared vectors") {
  CHECK(check64_hex(check64::of({})) == "e220a8397b1dcdaf");
  CHECK(check64_hex(check64::of(bytes_of("abc"))) == "c0d5c43e2997e600");
  CHECK(check64_hex(check64::of(counting(100))) == "1e999c7bbe977815");
  // The 10 000 000-byte DB body of seed 1 (its SHA-256 is the vector of
  // tests/interop/goref/README.md).
  CHECK(check64_hex(check64::of(db_body(1, 10'000'000))) == "aaadd34c502e7517");
}

TEST_CASE("check64: pieces of any size give the value of the whole") {
  const auto data = counting(1000);
  const auto whole = check64::of(data);
  for (const std::size_t piece : {1, 3, 7, 8, 9, 13, 64, 999}) {
    check64 c;
    for (std::size_t at = 0; at < data.size(); at += piece)
      c.update(std::span(data).subspan(at, std::min(piece, data.size() - at)));
    CHECK(c.length() == data.size());
    CHECK(c.value() == whole);
  }
  check64 c;
  c.update(std::span(data).first(5));
  const auto early = c.value();  // value() does not end the sum
  c.update(std::span(data).subspan(5));
  CHECK(early == check64::of(std::span(data).first(5)));
  CHECK(c.value() == whole);
}

TEST_CASE("check64: corrupted, moved and short data do not match") {
  const auto data = db_body(1, 4096 + 5);
  const auto good = check64::of(data);
  SUBCASE("every single flipped bit is seen") {
    auto bad = data;
    for (std::size_t at : {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{2048}, data.size() - 1}) {
      for (int bit = 0; bit < 8; ++bit) {
        bad[at] ^= static_cast<std::uint8_t>(1u << bit);
        CHECK(check64::of(bad) != good);
        bad[at] ^= static_cast<std::uint8_t>(1u << bit);
      }
    }
    CHECK(check64::of(bad) == good);
  }
  SUBCASE("a short transfer") {
    for (std::size_t cut : {std::size_t{1}, std::size_t{5}, std::size_t{8}, std::size_t{4096}})
      CHECK(check64::of(std::span(data).first(data.size() - cut)) != good);
  }
  SUBCASE("zeros appended or in place of the end") {
    auto longer = data;
    longer.push_back(0);
    CHECK(check64::of(longer) != good);
    auto zeroed = data;
    std::fill(zeroed.end() - 16, zeroed.end(), std::uint8_t{0});
    CHECK(check64::of(zeroed) != good);
  }
  SUBCASE("two words swapped (position matters)") {
    auto swapped = data;
    std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);
    REQUIRE(swapped != data);
    CHECK(check64::of(swapped) != good);
  }
}

TEST_CASE("message digests of --digest cheap: the shared vector, and the order seen only by the ordered one") {
  const auto digest_of = [](std::initializer_list<std::vector<std::uint8_t>> encodings) {
    peer_cli::message_digest d(peer_cli::digest_mode::cheap);
    for (const auto& e : encodings) d.add(e);
    return d;
  };
  const auto abc = bytes_of("abc");
  const auto hundred = counting(100);
  const auto d = digest_of({abc, hundred});
  CHECK(d.count() == 2);
  CHECK(d.check64_hex() == "36d31516b8959ad8");
  CHECK(d.check64_unordered_hex() == "df6f60b9e82f5e15");
  const auto reversed = digest_of({hundred, abc});
  CHECK(reversed.check64_hex() == "1de91cfd0ac06187");
  CHECK(reversed.check64_unordered_hex() == d.check64_unordered_hex());
  CHECK(d.ordered_hex().empty());
  CHECK(d.unordered_hex().empty());
}
