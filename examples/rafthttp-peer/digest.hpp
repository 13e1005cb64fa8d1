// SHA-256 (OpenSSL's libcrypto) and the two message digests of doc/peer-cli.md
// (7.2, 7.3), computed the same way by a sender and by a receiver.
//
// libcrypto's low-level SHA256_* functions, not EVP: in OpenSSL 3 every
// EVP_DigestInit allocates a provider context, and the first EVP fetch loads
// the default provider, paging in ~2 MiB of libcrypto (peak RSS is a
// benchmark row). The low-level functions are deprecated in OpenSSL 3 but
// kept, and as fast (SHA-NI).
#pragma once

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace peer_cli {

using sha256_sum = std::array<std::uint8_t, 32>;

// Incremental SHA-256.
class sha256 {
 public:
  sha256();

  void update(std::span<const std::uint8_t> bytes);
  // The digest of everything so far; the hash can go on afterwards.
  [[nodiscard]] sha256_sum sum() const;

  // One-shot.
  [[nodiscard]] static sha256_sum of(std::span<const std::uint8_t> bytes);

 private:
  SHA256_CTX ctx_;
};

[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

// Both digests over a sequence of message encodings:
//  - ordered: SHA-256 over each encoding framed as on the message stream
//    (uint64 big-endian length, then the bytes), in order;
//  - unordered: the lane-wise sum mod 2^64 of the four big-endian words of
//    SHA-256(encoding), printed as 4 x 16 hex digits.
class message_digest {
 public:
  // `encoding` with its precomputed SHA-256 (the log line needs it too).
  void add(std::span<const std::uint8_t> encoding, const sha256_sum& encoding_sum);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::string ordered_hex() const;
  [[nodiscard]] std::string unordered_hex() const;

 private:
  std::uint64_t count_ = 0;
  sha256 ordered_;
  std::array<std::uint64_t, 4> lanes_{};
};

}  // namespace peer_cli
