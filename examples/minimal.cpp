// The smallest complete program: members 1 and 2 of a cluster, two transports
// on one io_context and loopback ports. Member 1 sends member 2 a MsgApp;
// member 2's raft receives it, the program prints it and exits 0 (1 when it
// has not arrived within 10 seconds).
#include <rafthttp/rafthttp.hpp>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

namespace {

// The Raft policy (rafthttp/policy.hpp); this one hands messages to a callback.
struct printing_raft {
  std::function<void(const rafthttp::message&)> on_message;

  std::error_code process(rafthttp::message& m) {
    if (on_message) on_message(m);
    return {};
  }
  bool is_id_removed(rafthttp::member_id) { return false; }
  void report_unreachable(rafthttp::member_id) {}
  void report_snapshot(rafthttp::member_id, rafthttp::snapshot_status) {}
};

// The Snapshotter policy: no snapshots travel here, so it refuses them.
struct no_snapshots {
  asio::awaitable<std::error_code> save_db(const rafthttp::message&, rafthttp::db_reader&) {
    co_return std::make_error_code(std::errc::operation_not_supported);
  }
};

using transport = rafthttp::transport<printing_raft, no_snapshots>;

rafthttp::transport_options options_of(rafthttp::member_id id) {
  rafthttp::transport_options options;
  options.id = id;
  options.cluster_id = 0x1000;
  return options;
}

// Listens on a free loopback port and advertises it; returns its URLs.
std::optional<rafthttp::url_list> listen_on_loopback(transport& t) {
  if (const auto ec = t.listen(rafthttp::http::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))) {
    std::fprintf(stderr, "listen: %s\n", ec.message().c_str());
    return std::nullopt;
  }
  auto urls = rafthttp::url_list::parse("http://127.0.0.1:" + std::to_string(t.local_endpoint().port()));
  if (urls) t.advertise(*urls);
  return urls;
}

}  // namespace

int main() {
  asio::io_context io;
  printing_raft raft1, raft2;
  no_snapshots snapshots;
  transport t1(io.get_executor(), raft1, snapshots, options_of(1));
  transport t2(io.get_executor(), raft2, snapshots, options_of(2));
  const auto urls1 = listen_on_loopback(t1);
  const auto urls2 = listen_on_loopback(t2);
  if (!urls1 || !urls2) return 1;
  t1.add_peer(2, *urls2);
  t2.add_peer(1, *urls1);

  // The end: both transports stop, and io.run() returns once their coroutines have.
  asio::steady_timer deadline(io, std::chrono::seconds(10));
  const auto finish = [&] { deadline.cancel(); t1.stop(); t2.stop(); };
  deadline.async_wait([&](std::error_code ec) { if (!ec) finish(); });
  bool received = false;
  raft2.on_message = [&](const rafthttp::message& m) {
    std::printf("member 2 received %s from member %llu: \"%s\"\n", rafthttp::raftpb::to_string(m.type).c_str(),
                static_cast<unsigned long long>(m.from), m.entries.empty() ? "" : m.entries[0].data.value().c_str());
    received = m.type == rafthttp::message_type::MsgApp;
    asio::post(io, finish);  // after this delivery, not inside it
  };

  rafthttp::message m;
  m.type = rafthttp::message_type::MsgApp;
  m.from = 1;
  m.to = 2;
  m.term = 1;
  rafthttp::raftpb::entry e;
  e.term = 1;
  e.index = 1;
  e.data = "hello";
  m.entries.push_back(e);
  t1.send(m);  // never blocks: queued for member 2 (or dropped, as etcd does)

  io.run();
  return received ? 0 : 1;
}
