// The command line of rafthttp-peer (doc/peer-cli.md 3 and 4),
// parsed with the rules of Go's flag package so that the C++ peer and the Go
// reference peer (tests/interop/goref) accept exactly the same command lines:
// -flag or --flag, "-flag value" or "-flag=value", boolean flags without a
// value, the last occurrence of a single-valued flag wins, "--" ends the flags.
#pragma once

#include "content.hpp"
#include "digest.hpp"

#include <rafthttp/etcd_version.hpp>
#include <rafthttp/id.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace peer_cli {

using duration = std::chrono::nanoseconds;

enum class peer_mode { sink, echo, send, snapshot };

[[nodiscard]] std::string_view to_string(peer_mode mode);

// --peer / --remote ID=URL[,URL...]
struct member_urls {
  rafthttp::member_id id = 0;
  rafthttp::url_list urls;
};

// etcd's --peer-* TLS flags, parsed and checked as the Go peer does.
struct tls_flags {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  bool client_cert_auth = false;
  std::vector<std::string> allowed_cns;        // --allowed-cn, repeatable
  std::vector<std::string> allowed_hostnames;  // --allowed-hostname, repeatable
  std::string crl_file;
};

// --wait-streams: the streams --to must have attached before sending.
struct stream_wait {
  bool msgapp = true;
  bool message = true;
};

struct config {
  peer_mode mode = peer_mode::sink;
  rafthttp::member_id id = 0;
  rafthttp::member_id cluster_id = 0x1000;
  rafthttp::peer_url listen;
  std::vector<member_urls> peers;
  std::vector<member_urls> remotes;
  std::vector<rafthttp::member_id> removed;
  std::string snap_dir;  // empty: a temporary directory, removed at exit
  std::string log_path;  // empty: no --log
  duration linger = std::chrono::seconds(1);
  tls_flags tls;
  duration busy_poll{0};  // C++ only
  rafthttp::etcd_version version = rafthttp::newest_etcd_version;  // --etcd-version: the wire profile
  std::string cluster_version;  // --cluster-version: GET /version's etcdcluster (empty: not_decided)
  digest_mode digest = digest_mode::full;  // --digest full|cheap

  // sink / echo stop conditions (0: not set)
  duration run_for{0};  // --duration
  std::uint64_t expect = 0;
  duration idle{0};

  // send / snapshot
  rafthttp::member_id to = 0;
  content_params content;
  std::uint64_t count = 1000;
  double rate = 0;  // messages per second, 0: unpaced
  bool retry_on_drop = true;
  bool await_acks = false;
  std::uint64_t window = 256;
  stream_wait wait_streams;
  duration wait_active = std::chrono::seconds(10);

  // snapshot
  std::uint64_t snap_index = 1;
  std::uint64_t snap_term = 1;
  std::uint64_t snap_data_size = 0;
  std::uint64_t db_size = 1 << 20;
  // C++ only: the DB body is first written into a file in this directory,
  // then sent from it (a file_db_source); empty: generated as it is sent.
  std::string db_file_dir;
  duration snap_timeout = std::chrono::seconds(60);

  // send: --background-snapshot-to, a --peer that gets a snapshot (the flags
  // above) while the send loop runs (doc/peer-cli.md 5.7); 0: none.
  rafthttp::member_id background_snapshot_to = 0;
};

// What parse_flags found: a configuration, a request for the usage text, or
// the one-line error to print (exit code 2).
struct parse_result {
  std::optional<config> cfg;
  bool help = false;
  std::string error;
};

[[nodiscard]] parse_result parse_flags(std::span<const std::string_view> args);

[[nodiscard]] std::string_view usage();

// Go's time.ParseDuration ("500ms", "1m30s", "-2s", "0").
[[nodiscard]] std::optional<duration> parse_go_duration(std::string_view text);

// localhost, 127.0.0.0/8 or ::1 (also IPv4-mapped): what this program may
// listen on and dial.
[[nodiscard]] bool is_loopback_host(std::string_view host);

// The text of a peer URL as Go's url.URL.String() prints it.
[[nodiscard]] std::string url_text(const rafthttp::peer_url& url);

}  // namespace peer_cli
