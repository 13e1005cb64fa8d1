// Every timeout, buffer size and limit of the transport, in one place. Defaults
// are etcd's constants (the Go name is in the comment; doc/protocol.md lists
// them), the same in every supported release unless the profile of the
// release (etcd_version.hpp) says otherwise; the few limits etcd lacks are
// ours, marked "beyond etcd". The HTTP layer's own options (server, clients,
// TLS) are in http/options.hpp; transport_options holds one of each.
#pragma once

#include <rafthttp/codec/codec_options.hpp>
#include <rafthttp/etcd_version.hpp>
#include <rafthttp/http/options.hpp>
#include <rafthttp/id.hpp>
#include <rafthttp/log.hpp>
#include <rafthttp/units.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace rafthttp {

using namespace std::chrono_literals;

// The HTTP layer's options (http/options.hpp) under the names the transport
// gives them: transport_options::tls, ::server and ::client.
using tls_options = http::tls_options;
using http_server_options = http::server_options;
using http_client_options = http::client_options;

// A member as etcd's GET /members lists it (membership.Member).
struct member_info {
  member_id id = 0;
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
  bool is_learner = false;
};

// What GET /version says before the cluster version is known, as etcd says it.
inline constexpr std::string_view not_decided_cluster_version = "not_decided";
inline constexpr std::string_view unknown_storage_version = "unknown";

// The member endpoints beside rafthttp's (member_endpoints.hpp): what only the
// member's state machine knows. Each hook is called on the transport's thread
// for each request; unset ones give etcd's answer for "not known yet".
struct member_endpoint_options {
  // GET /version "etcdcluster": the cluster version this member applied
  // (e.g. "3.6.0"); unset: "not_decided". Report the version the member
  // applied, never a higher one: a Go member that starts refuses to join a
  // cluster whose members report a cluster version above its own release.
  std::function<std::string()> cluster_version;
  // GET /version "storage" (3.6+ profiles): the storage schema version; unset: "unknown".
  std::function<std::string()> storage_version;
  // GET /downgrade/enabled; unset: false.
  std::function<bool()> downgrade_enabled;
  // GET /members; unset: 404 (a joining Go member then asks another member).
  std::function<std::vector<member_info>()> members;
};

struct transport_options {
  member_id id = 0;          // local member id
  member_id cluster_id = 0;  // X-Etcd-Cluster-ID
  url_list urls;             // advertised in X-PeerURLs; empty: header omitted

  // The etcd release we present ourselves as (etcd_version.hpp): the
  // X-Server-Version we send, how we encode raftpb, the snapshot envelope
  // limit, what GET /version says.
  etcd_version version = newest_etcd_version;
  // Overrides the profile's X-Server-Version (e.g. "3.6.14"); empty: the
  // profile's. Must be valid semver: a Go peer crashes on anything else.
  std::string server_version;
  std::string min_cluster_version = "3.0.0";  // MinClusterVersion, in every release

  // DialRetryFrequency: a stream reader redials at most every 100 ms (10/s, burst 1).
  duration dial_retry_interval = 100ms;
  // ConnReadTimeout / 3: link heartbeats on each attached stream.
  duration link_heartbeat_interval = etcd::conn_read_timeout / 3;
  // proberInterval: ConnReadTimeout - 1 s.
  duration prober_interval = etcd::conn_read_timeout - 1s;
  // statusMonitoringInterval / statusErrorInterval of the prober monitor.
  duration prober_monitor_interval = 30s;
  duration prober_error_interval = 5s;
  // Clock difference above which the prober logs "high clock drift".
  duration clock_drift_threshold = 1s;
  // snapResponseReadTimeout: the snapshot sender's wait for the response body.
  duration snapshot_response_read_timeout = 5s;

  std::size_t stream_buffer_size = 4096;     // streamBufSize: each stream writer's queue
  std::size_t recv_buffer_size = 4096;       // recvBufSize: received messages per peer
  std::size_t max_pending_proposals = 4096;  // maxPendingProposals: received MsgProps per peer
  std::size_t pipeline_workers = 4;          // connPerPipeline
  std::size_t pipeline_buffer_size = 64;     // pipelineBufSize

  // Beyond etcd (etcd main caps at 50 MB): bytes of encoded messages held per
  // peer across its stream writers and pipeline, from send() until the write
  // or POST that carries them ends; above it, send() drops.
  std::size_t max_queued_bytes_per_peer = 64 * mib;
  // Beyond etcd: a bandwidth limit for sending snapshots, bytes per second
  // per snapshot (0: none).
  std::uint64_t snapshot_bytes_per_second = 0;
  // The MsgSnap envelope of POST /raft/snapshot, received or sent; 0: the
  // profile's (64 MiB from 3.6, as etcd 3.6.14 and 3.7.1; our own 512 MiB
  // for 3.4 and 3.5, which had no useful bound).
  std::size_t max_snapshot_envelope_bytes = 0;

  member_endpoint_options member;
  codec_options codec;
  http_server_options server;
  http_client_options client;
  tls_options tls;

  // Beyond etcd: vets the X-PeerURLs of an unknown sender before it becomes a
  // remote we dial (e.g. to keep a test cluster on loopback). Empty: accept all.
  std::function<bool(member_id, const url_list&)> accept_remote_urls;

  // What unauthenticated requests can make us keep (beyond etcd, which keeps
  // all; any client that knows the cluster id can make a request):
  // - remotes added from the X-PeerURLs of senders we do not know: at most
  //   this many; beyond, the request is served as usual but its sender is
  //   not added (logged once). add_remote() is never refused.
  std::size_t max_remotes_from_requests = 64;
  // - metric series whose label value a request chose (a claimed sender id,
  //   a client's ip:port): at most this many per metric family; beyond, they
  //   add up in one series labelled "overflow". Peers' own series are never
  //   counted here.
  std::size_t max_untrusted_metric_series = 256;

  // Where the transport logs (etcd's zap logger); silent when empty.
  log_sink log;
  log_level min_log_level = log_level::info;
  // defaultMergePeriod of etcd's merge logger: "dropped ... message" lines
  // repeat at most once per period per peer and direction, with a count.
  duration drop_log_interval = 1s;
};

}  // namespace rafthttp

namespace rafthttp {

// etcd 3.5+'s --raft-read-timeout and --raft-write-timeout (ConnReadTimeout,
// ConnWriteTimeout, 5 s by default): the per-read and per-write deadlines of
// every peer connection, both ways, and the link heartbeats that keep an idle
// stream inside the read deadline (every third of it, as etcd). Give a member
// the same values as its Go peers: a peer with a longer read timeout sends its
// heartbeats less often than our shorter deadline would wait for. The prober's
// 4 s interval does not follow (in etcd it is fixed when the process starts).
inline void set_raft_timeouts(transport_options& options, duration read_timeout, duration write_timeout) {
  options.server.read_timeout = options.client.read_timeout = read_timeout;
  options.server.write_timeout = options.client.write_timeout = write_timeout;
  options.link_heartbeat_interval = read_timeout / 3;
}

}  // namespace rafthttp
