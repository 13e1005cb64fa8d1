// The etcd release a member presents itself as: its wire profile. Every
// supported release speaks the same rafthttp (endpoints, headers, framings);
// what differs is the version a member announces, how it lays raftpb out on
// the wire, and a few limits (doc/etcd-versions.md). A profile makes what we
// send byte-identical to what the Go member of that release sends.
//
//   options.version = rafthttp::etcd_version::v3_6;   // default: the newest
#pragma once

#include <rafthttp/units.hpp>
#include <rafthttp/raftpb/wire_style.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rafthttp {

enum class etcd_version : std::uint8_t { v3_4, v3_5, v3_6, v3_7 };

// etcd supports its current and previous minor release: 3.7 and 3.6 today.
inline constexpr etcd_version newest_etcd_version = etcd_version::v3_7;

struct etcd_profile {
  etcd_version version;
  // X-Server-Version and GET /version's "etcdserver": the release of that
  // minor whose Go code the test suite runs against (tests/interop/etcd-versions).
  std::string_view server_version;
  raftpb::wire_style wire_style;
  // The largest MsgSnap envelope (length-prefixed message before the DB) its
  // POST /raft/snapshot accepts, and so the largest we send: 3.6.14 and 3.7.1
  // bound it to 64 MiB (3.4 had no bound, 3.5 1 TiB; we keep our own bound,
  // the message-stream frame limit: 512 MiB).
  std::size_t max_snapshot_envelope_bytes;
  // GET /version carries "storage" (the storage schema version) from 3.6.
  bool reports_storage_version;
};

[[nodiscard]] constexpr etcd_profile profile_of(etcd_version version) {
  using raftpb::wire_style;
  switch (version) {
    case etcd_version::v3_4: return {version, "3.4.23", wire_style::etcd_3_4, etcd::read_bytes_limit, false};
    case etcd_version::v3_5: return {version, "3.5.36", wire_style::etcd_3_4, etcd::read_bytes_limit, false};
    case etcd_version::v3_6: return {version, "3.6.17", wire_style::etcd_3_6, etcd::snapshot_limit_bytes, true};
    case etcd_version::v3_7: break;
  }
  return {etcd_version::v3_7, "3.7.4", wire_style::etcd_3_7, etcd::snapshot_limit_bytes, true};
}

// "3.6" for v3_6.
[[nodiscard]] constexpr std::string_view to_string(etcd_version version) {
  switch (version) {
    case etcd_version::v3_4: return "3.4";
    case etcd_version::v3_5: return "3.5";
    case etcd_version::v3_6: return "3.6";
    case etcd_version::v3_7: break;
  }
  return "3.7";
}

// "3.6" or "3.6.17" (any patch): the profile of that minor; nullopt for a
// release we have no profile of.
[[nodiscard]] inline std::optional<etcd_version> parse_etcd_version(std::string_view text) {
  for (auto v : {etcd_version::v3_4, etcd_version::v3_5, etcd_version::v3_6, etcd_version::v3_7}) {
    const auto minor = to_string(v);
    if (text == minor) return v;
    if (text.starts_with(minor) && text.size() > minor.size() + 1 && text[minor.size()] == '.') {
      const auto patch = text.substr(minor.size() + 1);
      if (patch.find_first_not_of("0123456789") == std::string_view::npos) return v;
    }
  }
  return std::nullopt;
}

}  // namespace rafthttp
