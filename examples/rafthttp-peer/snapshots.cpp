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

namespace {

constexpr std::size_t chunk_bytes = 1 << 20;

// The digest of --digest's mode over a body given in pieces.
class body_digest {
 public:
  explicit body_digest(digest_mode mode) : mode_(mode) {}

  void update(std::span<const std::uint8_t> piece) {
    if (mode_ == digest_mode::full) sha_.update(piece);
    else check_.update(piece);
    size_ += piece.size();
  }

  [[nodiscard]] db_description result() const {
    db_description out;
    out.size = static_cast<std::int64_t>(size_);
    if (mode_ == digest_mode::full) out.sha256 = to_hex(sha_.sum());
    else out.check64 = check64_hex(check_.value());
    return out;
  }

 private:
  digest_mode mode_;
  sha256 sha_;
  check64 check_;
  std::uint64_t size_ = 0;
};

}  // namespace

db_description describe_stream(std::uint64_t seed, std::uint64_t key, std::uint64_t size, digest_mode mode) {
  byte_stream stream(seed, key);
  body_digest digest(mode);
  std::vector<std::uint8_t> chunk(chunk_bytes);
  while (size > 0) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, chunk_bytes));
    stream.fill(std::span(chunk).first(n));
    digest.update(std::span(chunk).first(n));
    size -= n;
  }
  return digest.result();
}

std::optional<db_description> write_stream_file(const std::filesystem::path& path, std::uint64_t seed,
                                                std::uint64_t key, std::uint64_t size, digest_mode mode) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return std::nullopt;
  byte_stream stream(seed, key);
  body_digest digest(mode);
  std::vector<std::uint8_t> chunk(chunk_bytes);
  while (size > 0 && file) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, chunk_bytes));
    stream.fill(std::span(chunk).first(n));
    digest.update(std::span(chunk).first(n));
    file.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(n));
    size -= n;
  }
  file.close();
  if (!file) return std::nullopt;
  return digest.result();
}

db_description describe_file(const std::filesystem::path& path, digest_mode mode) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return {};
  body_digest digest(mode);
  std::vector<char> chunk(chunk_bytes);
  while (file) {
    file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<std::size_t>(file.gcount());
    digest.update(std::span(reinterpret_cast<const std::uint8_t*>(chunk.data()), n));
  }
  if (file.bad()) return {};
  return digest.result();
}

// ------------------------------------------------------------- receiving ---

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

asio::awaitable<std::error_code> describing_snapshotter::save_db(const rafthttp::message& msnap,
                                                                 rafthttp::db_reader& body) {
  const auto ec = co_await files_.save_db(msnap, body);
  if (ec) co_return ec;
  const auto& metadata = msnap.snapshot.metadata;
  const auto path = files_.db_path(metadata.index);
  saved_db db;
  db.from = msnap.from;
  db.index = metadata.index;
  db.term = metadata.term;
  db.path = path.lexically_normal().string();
  db.description = std::async(std::launch::async, describe_file, path, mode_).share();
  saved_.add(std::move(db));
  co_return ec;
}

}  // namespace peer_cli
