#include "snapshots.hpp"

#include <fstream>
#include <vector>

namespace peer_cli {

// --------------------------------------------------------------- sending ---

asio::awaitable<deterministic_db_source::read_result> deterministic_db_source::read_some(std::span<std::uint8_t> into) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(into.size(), left_));
  stream_.fill(into.first(n));
  left_ -= n;
  co_return read_result(std::error_code{}, n);
}

std::string stream_sha256(std::uint64_t seed, std::uint64_t key, std::uint64_t size) {
  constexpr std::size_t chunk_bytes = 1 << 20;
  byte_stream stream(seed, key);
  sha256 hash;
  std::vector<std::uint8_t> chunk(chunk_bytes);
  while (size > 0) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, chunk_bytes));
    stream.fill(std::span(chunk).first(n));
    hash.update(std::span(chunk).first(n));
    size -= n;
  }
  return to_hex(hash.sum());
}

// ------------------------------------------------------------- receiving ---

namespace {

// Passes the body through, hashing and counting it.
class hashing_db_reader final : public rafthttp::db_reader {
 public:
  explicit hashing_db_reader(rafthttp::db_reader& body) : body_(body) {}

  asio::awaitable<std::tuple<std::error_code, std::span<const std::uint8_t>>> read_some() override {
    const auto [ec, piece] = co_await body_.read_some();
    if (!ec) {
      hash_.update(piece);
      bytes_ += piece.size();
    }
    co_return std::tuple(ec, piece);
  }

  [[nodiscard]] std::int64_t bytes() const { return static_cast<std::int64_t>(bytes_); }
  [[nodiscard]] std::string sha256_hex() const { return to_hex(hash_.sum()); }

 private:
  rafthttp::db_reader& body_;
  sha256 hash_;
  std::uint64_t bytes_ = 0;
};

// Size and SHA-256 of a file on disk, for a DB that was there already (the
// snapshotter then keeps that file and discards the received bytes).
void describe_file(const std::filesystem::path& path, saved_db& db) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return;
  sha256 hash;
  std::vector<char> chunk(1 << 20);
  std::int64_t size = 0;
  while (file) {
    file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<std::size_t>(file.gcount());
    hash.update(std::span(reinterpret_cast<const std::uint8_t*>(chunk.data()), n));
    size += static_cast<std::int64_t>(n);
  }
  if (file.bad()) return;
  db.size = size;
  db.sha256 = to_hex(hash.sum());
}

}  // namespace

std::optional<saved_db> saved_dbs::take(rafthttp::member_id from, std::uint64_t index) {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->from == from && it->index == index) {
      saved_db db = std::move(*it);
      waiting_.erase(it);
      return db;
    }
  }
  return std::nullopt;
}

asio::awaitable<std::error_code> hashing_snapshotter::save_db(const rafthttp::message& msnap,
                                                              rafthttp::db_reader& body) {
  const auto& metadata = msnap.snapshot.metadata;
  const auto path = files_.db_path(metadata.index);
  std::error_code ignored;
  const bool existed = std::filesystem::exists(path, ignored);

  hashing_db_reader hashing_body(body);
  const auto ec = co_await files_.save_db(msnap, hashing_body);
  if (ec) co_return ec;

  saved_db db;
  db.from = msnap.from;
  db.index = metadata.index;
  db.term = metadata.term;
  db.path = path.lexically_normal().string();
  if (existed) {
    describe_file(path, db);
  } else {
    db.size = hashing_body.bytes();
    db.sha256 = hashing_body.sha256_hex();
  }
  saved_.add(std::move(db));
  co_return ec;
}

}  // namespace peer_cli
