// Member and cluster ids, and etcd's peer URL lists (doc/protocol.md 2.1, 2.2).
#pragma once

#include <rafthttp/error.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace rafthttp {

// A member or cluster id. etcd's types.ID is a plain uint64 as well.
using member_id = std::uint64_t;

// Canonical form, as every id Go emits: lower-case hex, no leading zeros, "0" for zero.
// X-Etcd-Cluster-ID and X-Raft-To are compared against exactly this string.
[[nodiscard]] inline std::string format_id(member_id id) {
  char text[16];
  auto [end, ec] = std::to_chars(text, text + sizeof text, id, 16);
  (void)ec;  // 16 characters always hold a uint64 in hex
  return {text, end};
}

// Parses like Go's strconv.ParseUint(s, 16, 64): upper case and leading zeros are
// accepted; empty text, a "0x" prefix, other characters and overflow are not.
[[nodiscard]] inline std::optional<member_id> parse_id(std::string_view text) {
  member_id id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id, 16);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return id;
}

// One peer URL: scheme://host:port with no path (etcd's types.NewURLs rules).
struct peer_url {
  std::string scheme;  // http, https, unix or unixs
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // for unix/unixs the "host:port" text is a socket path
  std::string text;    // scheme://host:port as given (trimmed): the form sorted and sent

  [[nodiscard]] bool uses_tls() const { return scheme == "https" || scheme == "unixs"; }
  [[nodiscard]] bool is_unix() const { return scheme == "unix" || scheme == "unixs"; }
  friend bool operator==(const peer_url&, const peer_url&) = default;
};

namespace detail {

[[nodiscard]] inline std::string_view trim_space(std::string_view s) {
  constexpr std::string_view space = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

[[nodiscard]] inline bool valid_port(std::string_view port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return !port.empty() && ec == std::errc{} && end == port.data() + port.size() && value <= 65535;
}

}  // namespace detail

// Parses one peer URL. Stricter than Go's url.Parse in one way on purpose: user
// info, queries and fragments are refused, so that whatever we accept and later
// advertise in X-PeerURLs is also valid for a Go peer (doc/protocol.md 15.1).
[[nodiscard]] inline std::optional<peer_url> parse_peer_url(std::string_view input) {
  const auto text = detail::trim_space(input);
  const auto colon_slashes = text.find("://");
  if (colon_slashes == std::string_view::npos) return std::nullopt;
  peer_url url;
  url.scheme = std::string(text.substr(0, colon_slashes));
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "unix" && url.scheme != "unixs")
    return std::nullopt;
  const auto authority = text.substr(colon_slashes + 3);
  if (authority.find_first_of("/?#@ ") != std::string_view::npos) return std::nullopt;

  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || authority.substr(close + 1, 1) != ":") return std::nullopt;
    host = authority.substr(1, close - 1);
    port = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // unbracketed IPv6
  }
  if (!url.is_unix() && !detail::valid_port(port)) return std::nullopt;
  url.host = std::string(host);
  url.port = std::string(port);
  url.text = std::string(text);
  return url;
}

// A validated, sorted list of peer URLs (etcd's types.URLs).
class url_list {
 public:
  url_list() = default;

  // Every element must parse; the list must not be empty. Sorted by text, as Go sorts.
  [[nodiscard]] static std::optional<url_list> parse(const std::vector<std::string>& texts) {
    url_list list;
    for (const auto& text : texts) {
      auto url = parse_peer_url(text);
      if (!url) return std::nullopt;
      list.urls_.push_back(std::move(*url));
    }
    if (list.urls_.empty()) return std::nullopt;
    std::ranges::sort(list.urls_, {}, &peer_url::text);
    return list;
  }

  // Parses a comma-separated list, the form of X-PeerURLs and of command lines.
  [[nodiscard]] static std::optional<url_list> parse(std::string_view comma_separated) {
    std::vector<std::string> texts;
    for (std::size_t start = 0;;) {
      const auto comma = comma_separated.find(',', start);
      texts.emplace_back(comma_separated.substr(start, comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return parse(texts);
  }

  [[nodiscard]] const std::vector<peer_url>& urls() const { return urls_; }
  [[nodiscard]] bool empty() const { return urls_.empty(); }
  [[nodiscard]] std::size_t size() const { return urls_.size(); }
  [[nodiscard]] const peer_url& operator[](std::size_t i) const { return urls_[i]; }

  // The X-PeerURLs value: sorted texts joined by "," without spaces.
  [[nodiscard]] std::string joined() const {
    std::string out;
    for (const auto& url : urls_) {
      if (!out.empty()) out += ',';
      out += url.text;
    }
    return out;
  }

  friend bool operator==(const url_list&, const url_list&) = default;

 private:
  std::vector<peer_url> urls_;
};

}  // namespace rafthttp
