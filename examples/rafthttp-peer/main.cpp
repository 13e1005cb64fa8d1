// rafthttp-peer: one rafthttp transport on a loopback listener with a
// recording Raft policy — the worked example of embedding rafthttp-cpp, the
// driver of the cross-process benchmarks and the C++ half of the interop tests
// against etcd's Go rafthttp. Its contract: doc/peer-cli.md.
//
// How a program embeds the library (this file, top to bottom):
//   1. one asio::io_context, one thread: everything runs on it;
//   2. a Raft policy (recorder.hpp) and a Snapshotter policy (snapshots.hpp);
//   3. rafthttp::transport<Raft, Snapshotter> with transport_options;
//   4. an http::router with the transport's routes (transport.mount) and our
//      own (/metrics), served by an http::server (routes.hpp);
//   5. add_peer / add_remote; then send(), send_snapshot(), and process()
//      calls coming in;
//   6. at the end, stop() and let the loop finish the transport's coroutines
//      (co_await async_stop(asio::use_awaitable) waits for them; shut_down bounds the wait).
#include "flags.hpp"
#include "peer_env.hpp"
#include "routes.hpp"
#include "stats.hpp"

#include <rafthttp/event_loop.hpp>
#include <rafthttp/http/server.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace peer_cli {

namespace {

using clock = steady_clock;

// How long the transport and the server get to end their connections and
// coroutines after the JSON was printed.
constexpr auto stop_grace = std::chrono::seconds(2);

int fail_setup(const std::string& error) {
  std::fprintf(stderr, "rafthttp-peer: %s\n", error.c_str());
  return 2;
}

// ------------------------------------------------------------ snap dir ---

// --snap-dir, created if needed; without it a temporary directory that is
// removed at exit.
class snapshot_directory {
 public:
  snapshot_directory() = default;
  snapshot_directory(const snapshot_directory&) = delete;
  ~snapshot_directory() {
    std::error_code ignored;
    if (temporary_) std::filesystem::remove_all(path_, ignored);
  }

  [[nodiscard]] std::string open(const std::string& requested) {
    std::error_code ec;
    if (!requested.empty()) {
      path_ = requested;
      if (std::filesystem::create_directories(path_, ec))
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
      return ec ? "--snap-dir: " + ec.message() : "";
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/rafthttp-peer-snap-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return "cannot create a temporary snapshot directory";
    path_ = pattern;
    temporary_ = true;
    return {};
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool temporary_ = false;
};

// ------------------------------------------------------------- logging ---

// RAFTHTTP_PEER_LOG_LEVEL=debug|info|warn|error prints the transport's log on
// stderr from that level on (default: error, as the Go peer).
rafthttp::log_level printed_log_level() {
  const char* text = std::getenv("RAFTHTTP_PEER_LOG_LEVEL");
  const std::string level = text ? text : "";
  if (level == "debug") return rafthttp::log_level::debug;
  if (level == "info") return rafthttp::log_level::info;
  if (level == "warn") return rafthttp::log_level::warn;
  return rafthttp::log_level::error;
}

rafthttp::log_sink make_log_sink() {
  return [](rafthttp::log_level level, std::string_view message, std::span<const rafthttp::log_field> fields) {
    std::string line = "rafthttp-peer: " + std::string(rafthttp::to_string(level)) + " " + std::string(message);
    for (const auto& f : fields) line += " " + std::string(f.key) + "=" + f.value;
    std::fprintf(stderr, "%s\n", line.c_str());
  };
}

// ----------------------------------------------------------- transport ---

// etcd's --peer-* TLS flags as the library's options.
rafthttp::tls_options tls_options_for(const tls_flags& flags) {
  rafthttp::tls_options tls;
  tls.cert_file = flags.cert_file;
  tls.key_file = flags.key_file;
  tls.trusted_ca_file = flags.trusted_ca_file;
  tls.client_cert_auth = flags.client_cert_auth;
  tls.allowed_cns = flags.allowed_cns;
  tls.allowed_hostnames = flags.allowed_hostnames;
  tls.crl_file = flags.crl_file;
  return tls;
}

rafthttp::transport_options transport_options_for(const config& cfg) {
  rafthttp::transport_options options;
  options.id = cfg.id;
  options.cluster_id = cfg.cluster_id;
  options.urls = *rafthttp::url_list::parse(cfg.listen.text);  // re-advertised once the port is known
  options.log = make_log_sink();
  options.tls = tls_options_for(cfg.tls);
  options.min_log_level = printed_log_level();
  options.version = cfg.version;
  if (!cfg.cluster_version.empty()) options.member.cluster_version = [v = cfg.cluster_version] { return v; };
  // This program dials loopback only: a sender it does not know becomes a
  // remote we would dial (an echo answers it through that remote), so its
  // X-PeerURLs must name loopback hosts. The Go peer does the same.
  options.accept_remote_urls = [](rafthttp::member_id, const rafthttp::url_list& urls) {
    return std::ranges::all_of(urls.urls(), [](const auto& url) { return is_loopback_host(url.host); });
  };
  return options;
}

// The endpoint of --listen ("localhost" is 127.0.0.1, as Go listens).
std::optional<rafthttp::http::tcp::endpoint> listen_endpoint(const rafthttp::peer_url& url) {
  std::error_code ec;
  const bool localhost = rafthttp::http::iequals(url.host, "localhost");
  const auto address = asio::ip::make_address(localhost ? "127.0.0.1" : url.host, ec);
  unsigned short port = 0;
  std::from_chars(url.port.data(), url.port.data() + url.port.size(), port);
  if (ec) return std::nullopt;
  return rafthttp::http::tcp::endpoint(address, port);
}

// --listen with the port the kernel chose for port 0.
rafthttp::peer_url with_port(rafthttp::peer_url url, unsigned short port) {
  url.port = std::to_string(port);
  url.text = url_text(url);
  return url;
}

void add_members(const config& cfg, peer_transport& transport) {
  for (const auto& p : cfg.peers) transport.add_peer(p.id, p.urls);
  for (const auto& r : cfg.remotes) transport.add_remote(r.id, r.urls);
}

// ------------------------------------------------------------ the run ---

asio::awaitable<void> watch_signals(asio::signal_set& signals, run_control& control) {
  for (;;) {
    std::error_code ec;
    co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // cancelled at exit
    control.interrupt();  // later signals are swallowed, as in the Go peer
  }
}

asio::awaitable<std::string> run_mode(peer_env& env) {
  switch (env.cfg.mode) {
    case peer_mode::sink:
    case peer_mode::echo: co_return co_await run_receiver(env);
    case peer_mode::send: co_return co_await run_send(env);
    case peer_mode::snapshot: co_return co_await run_snapshot(env);
  }
  co_return std::string();
}

// Stops the transport (and its server) and waits for every coroutine to end,
// at most stop_grace; then ends the event loop.
asio::awaitable<void> shut_down(peer_env& env, asio::io_context& io) {
  asio::steady_timer bound(io, stop_grace);
  bound.async_wait([&io](std::error_code ec) {
    if (!ec) io.stop();
  });
  co_await env.transport.async_stop(asio::use_awaitable);
  io.stop();
}

asio::awaitable<void> run_and_exit(peer_env& env, asio::signal_set& signals, asio::io_context& io) {
  const std::string json = co_await run_mode(env);
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  std::error_code ignored;
  signals.cancel(ignored);
  co_await shut_down(env, io);
}

int run_peer(const config& cfg) {
  std::signal(SIGPIPE, SIG_IGN);
  asio::io_context io(1);
  run_control control(io.get_executor());
  asio::signal_set signals(io, SIGINT, SIGTERM);

  snapshot_directory snap_dir;
  if (auto error = snap_dir.open(cfg.snap_dir); !error.empty()) return fail_setup(error);
  saved_dbs dbs;
  recorder raft(cfg.id, cfg.removed, dbs, rafthttp::profile_of(cfg.version).wire_style, cfg.digest);
  if (!cfg.log_path.empty() && !raft.open_log(cfg.log_path)) return fail_setup("--log: cannot create " + cfg.log_path);
  describing_snapshotter snapshotter(snap_dir.path(), dbs, cfg.digest);

  peer_transport transport(io.get_executor(), raft, snapshotter, transport_options_for(cfg));
  const auto endpoint = listen_endpoint(cfg.listen);
  if (!endpoint) return fail_setup("listen " + cfg.listen.text + ": cannot resolve the host");
  if (const auto ec = transport.listen(*endpoint, cfg.listen.uses_tls()))
    return fail_setup("listen " + cfg.listen.text + ": " + ec.message());
  mount_metrics(*transport.router(), transport);  // beside the transport's routes
  const auto listen = with_port(cfg.listen, transport.local_endpoint().port());
  transport.advertise(*rafthttp::url_list::parse(listen.text));
  add_members(cfg, transport);
  std::fprintf(stderr, "READY %s\n", listen.text.c_str());

  peer_identity identity;
  identity.mode = std::string(to_string(cfg.mode));
  identity.id = cfg.id;
  identity.cluster_id = cfg.cluster_id;
  identity.listen = listen.text;
  identity.etcd_version = std::string(transport.options().server_version);
  identity.digest = cfg.digest;
  peer_env env{cfg, transport, raft, control, identity, snap_dir.path()};
  asio::co_spawn(io, watch_signals(signals, control), asio::detached);
  asio::co_spawn(io, run_and_exit(env, signals, io), asio::detached);
  rafthttp::run_polling(io, cfg.busy_poll);  // --busy-poll: the low-latency mode
  return 0;
}

}  // namespace

}  // namespace peer_cli

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto parsed = peer_cli::parse_flags(args);
  if (parsed.help) {
    std::fputs(peer_cli::usage().data(), stderr);
    return 0;
  }
  if (!parsed.cfg) {
    std::fprintf(stderr, "rafthttp-peer: %s\n", parsed.error.c_str());
    return 2;
  }
  return peer_cli::run_peer(*parsed.cfg);
}
