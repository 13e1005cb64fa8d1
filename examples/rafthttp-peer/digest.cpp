#include "digest.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace peer_cli {

namespace {

// Fetched once: an implicit fetch per EVP_DigestInit would cost more than
// hashing a small message.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) {
    std::fputs("rafthttp-peer: OpenSSL has no SHA256\n", stderr);
    std::abort();
  }
  return md;
}

void check(int openssl_result) {
  if (openssl_result != 1) {
    std::fputs("rafthttp-peer: OpenSSL SHA-256 failed\n", stderr);
    std::abort();
  }
}

std::uint64_t load_big_endian(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

void sha256::context_deleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

sha256::sha256() : ctx_(EVP_MD_CTX_new()) { check(EVP_DigestInit_ex2(ctx_.get(), sha256_algorithm(), nullptr)); }
sha256::~sha256() = default;
sha256::sha256(sha256&&) noexcept = default;
sha256& sha256::operator=(sha256&&) noexcept = default;

void sha256::update(std::span<const std::uint8_t> bytes) {
  check(EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()));
}

sha256_sum sha256::sum() const {
  std::unique_ptr<EVP_MD_CTX, context_deleter> copy(EVP_MD_CTX_new());
  check(EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()));
  sha256_sum out{};
  check(EVP_DigestFinal_ex(copy.get(), out.data(), nullptr));
  return out;
}

sha256_sum sha256::of(std::span<const std::uint8_t> bytes) {
  // One context per thread, re-initialised for each message.
  thread_local std::unique_ptr<EVP_MD_CTX, context_deleter> ctx(EVP_MD_CTX_new());
  sha256_sum out{};
  check(EVP_DigestInit_ex2(ctx.get(), sha256_algorithm(), nullptr));
  check(EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()));
  check(EVP_DigestFinal_ex(ctx.get(), out.data(), nullptr));
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

void message_digest::add(std::span<const std::uint8_t> encoding, const sha256_sum& encoding_sum) {
  std::array<std::uint8_t, 8> frame_length{};
  for (int i = 0; i < 8; ++i) frame_length[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(encoding.size() >> (56 - 8 * i));
  ordered_.update(frame_length);
  ordered_.update(encoding);
  for (std::size_t lane = 0; lane < lanes_.size(); ++lane) lanes_[lane] += load_big_endian(encoding_sum.data() + 8 * lane);
  ++count_;
}

std::string message_digest::ordered_hex() const { return to_hex(ordered_.sum()); }

std::string message_digest::unordered_hex() const {
  char text[65];
  std::snprintf(text, sizeof text, "%016llx%016llx%016llx%016llx", static_cast<unsigned long long>(lanes_[0]),
                static_cast<unsigned long long>(lanes_[1]), static_cast<unsigned long long>(lanes_[2]),
                static_cast<unsigned long long>(lanes_[3]));
  return text;
}

}  // namespace peer_cli
