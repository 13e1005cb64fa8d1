// SHA-256 (OpenSSL's libcrypto) and the message digests of doc/peer-cli.md
// (7.2, 7.3, and 7.6 for --digest cheap), computed the same way by a sender
// and by a receiver.
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

#include "check64.hpp"
#include "json_writer.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace peer_cli {

using sha256_sum = std::array<std::uint8_t, 32>;

// --digest: full (SHA-256, the documented default) or cheap (check64 only,
// for throughput runs). In either mode the other mode's keys are printed
// empty ("").
enum class digest_mode { full, cheap };

[[nodiscard]] std::string_view to_string(digest_mode mode);

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

// The digests over a sequence of message encodings. --digest full:
//  - ordered: SHA-256 over each encoding framed as on the message stream
//    (uint64 big-endian length, then the bytes), in order;
//  - unordered: the lane-wise sum mod 2^64 of the four big-endian words of
//    SHA-256(encoding), printed as 4 x 16 hex digits.
// --digest cheap, one pass over each encoding: check64 over the sequence of
// 16-byte records (length, check64(encoding), both uint64 big-endian), and
// the sum mod 2^64 of check64(encoding).
class message_digest {
 public:
  explicit message_digest(digest_mode mode = digest_mode::full) : mode_(mode) {}

  // `encoding_sum`: its SHA-256 when the caller has it (the log line needs
  // it too); computed here when needed and not given.
  void add(std::span<const std::uint8_t> encoding, const sha256_sum* encoding_sum = nullptr);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::string ordered_hex() const;
  [[nodiscard]] std::string unordered_hex() const;
  [[nodiscard]] std::string check64_hex() const;
  [[nodiscard]] std::string check64_unordered_hex() const;

  // "sha256", "digest_unordered", "check64", "check64_unordered".
  void write_fields(json_writer& w) const;

 private:
  digest_mode mode_;
  std::uint64_t count_ = 0;
  sha256 ordered_;
  std::array<std::uint64_t, 4> lanes_{};
  check64 ordered_check_;
  std::uint64_t unordered_check_ = 0;
};

}  // namespace peer_cli
