#include "digest.hpp"

#include <cstdio>
#include <cstdlib>

namespace peer_cli {

namespace {

std::uint64_t load_big_endian(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void store_big_endian(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

}  // namespace

sha256::sha256() { SHA256_Init(&ctx_); }

void sha256::update(std::span<const std::uint8_t> bytes) { SHA256_Update(&ctx_, bytes.data(), bytes.size()); }

sha256_sum sha256::sum() const {
  SHA256_CTX copy = ctx_;  // finishing consumes the context
  sha256_sum out{};
  SHA256_Final(out.data(), &copy);
  return out;
}

sha256_sum sha256::of(std::span<const std::uint8_t> bytes) {
  // Not OpenSSL 3's SHA256(): that one goes through EVP (EVP_Q_digest).
  sha256 h;
  h.update(bytes);
  sha256_sum out{};
  SHA256_Final(out.data(), &h.ctx_);
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

std::string_view to_string(digest_mode mode) { return mode == digest_mode::full ? "full" : "cheap"; }

void message_digest::add(std::span<const std::uint8_t> encoding, const sha256_sum* encoding_sum) {
  ++count_;
  if (mode_ == digest_mode::cheap) {
    // One pass over the encoding: the ordered check chains the messages'
    // own check64s (with their lengths) rather than re-reading their bytes.
    const std::uint64_t own = check64::of(encoding);
    std::array<std::uint8_t, 16> record{};
    store_big_endian(record.data(), encoding.size());
    store_big_endian(record.data() + 8, own);
    ordered_check_.update(record);
    unordered_check_ += own;
    return;
  }
  std::array<std::uint8_t, 8> frame_length{};
  store_big_endian(frame_length.data(), encoding.size());
  const sha256_sum sum = encoding_sum ? *encoding_sum : sha256::of(encoding);
  ordered_.update(frame_length);
  ordered_.update(encoding);
  for (std::size_t lane = 0; lane < lanes_.size(); ++lane) lanes_[lane] += load_big_endian(sum.data() + 8 * lane);
}

std::string message_digest::ordered_hex() const { return mode_ == digest_mode::full ? to_hex(ordered_.sum()) : ""; }

std::string message_digest::unordered_hex() const {
  if (mode_ != digest_mode::full) return "";
  char text[65];
  std::snprintf(text, sizeof text, "%016llx%016llx%016llx%016llx", static_cast<unsigned long long>(lanes_[0]),
                static_cast<unsigned long long>(lanes_[1]), static_cast<unsigned long long>(lanes_[2]),
                static_cast<unsigned long long>(lanes_[3]));
  return text;
}

std::string message_digest::check64_hex() const {
  return mode_ == digest_mode::cheap ? peer_cli::check64_hex(ordered_check_.value()) : "";
}

std::string message_digest::check64_unordered_hex() const {
  return mode_ == digest_mode::cheap ? peer_cli::check64_hex(unordered_check_) : "";
}

void message_digest::write_fields(json_writer& w) const {
  w.field("sha256", ordered_hex())
      .field("digest_unordered", unordered_hex())
      .field("check64", check64_hex())
      .field("check64_unordered", check64_unordered_hex());
}

}  // namespace peer_cli
