// Semantic versions as etcd's peers exchange them (doc/protocol.md 2.5): strict
// MAJOR.MINOR.PATCH[-pre][+meta] parsing, major.minor comparisons, and the
// stream-type support table a stream client consults.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rafthttp::detail {

struct semver {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
};

// Compares the major.minor part: rafthttp ignores patch and pre-release.
[[nodiscard]] inline bool minor_less(const semver& a, const semver& b) {
  return a.major != b.major ? a.major < b.major : a.minor < b.minor;
}

namespace version_parsing {

// A numeric identifier: digits, no leading zero unless it is "0".
inline bool number(std::string_view& s, std::uint64_t& out) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || (n > 1 && s[0] == '0')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + n, out);
  if (ec != std::errc{}) return false;
  s.remove_prefix(n);
  return true;
}

// Dot-separated identifiers of [0-9A-Za-z-], none empty.
inline bool identifiers(std::string_view s) {
  if (s.empty()) return false;
  std::size_t length = 0;
  for (char c : s) {
    if (c == '.') {
      if (length == 0) return false;
      length = 0;
    } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-') {
      ++length;
    } else {
      return false;
    }
  }
  return length > 0;
}

}  // namespace version_parsing

// Parses like the semver library etcd 3.4 uses: anything else (e.g. "3.4",
// "v3.4.0") is invalid; a Go peer panics on such a value [HAZARD].
[[nodiscard]] inline std::optional<semver> parse_semver(std::string_view text) {
  using namespace version_parsing;
  semver v;
  if (!number(text, v.major) || !text.starts_with('.')) return std::nullopt;
  text.remove_prefix(1);
  if (!number(text, v.minor) || !text.starts_with('.')) return std::nullopt;
  text.remove_prefix(1);
  if (!number(text, v.patch)) return std::nullopt;
  const auto plus = text.find('+');
  const auto metadata = plus == std::string_view::npos ? std::string_view{} : text.substr(plus + 1);
  auto rest = text.substr(0, plus);
  if (plus != std::string_view::npos && !identifiers(metadata)) return std::nullopt;
  if (rest.empty()) return v;
  if (rest[0] != '-' || !identifiers(rest.substr(1))) return std::nullopt;
  return v;
}

// A missing or empty version header means etcd 2.0.0.
[[nodiscard]] inline std::optional<semver> header_version(std::string_view value) {
  return value.empty() ? std::optional<semver>(semver{2, 0, 0}) : parse_semver(value);
}

// doc/protocol.md 2.5: compatible unless the remote server is older than
// our minimum cluster version, or the remote's minimum is newer than us.
[[nodiscard]] inline bool compatible(const semver& local_server, const semver& local_min_cluster,
                                     const semver& remote_server, const semver& remote_min_cluster) {
  return !minor_less(remote_server, local_min_cluster) && !minor_less(local_server, remote_min_cluster);
}

// Whether a server of this version serves both stream types: every release
// from 2.1 to 3.8 does (the union of the 3.4, 3.6 and main tables), 2.0 none.
[[nodiscard]] inline bool supports_streams(const semver& server) {
  if (server.major == 2) return server.minor >= 1 && server.minor <= 3;
  return server.major == 3 && server.minor <= 8;
}

}  // namespace rafthttp::detail
