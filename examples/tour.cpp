// The README's tour ("A tour"), as a program: member 1 takes the tour's steps
// on loopback — listen on 127.0.0.1:2380, add member 2 (127.0.0.1:2381) as a
// peer, send it MsgApps three ways and a snapshot from a file — and member 2,
// a second transport on the same io_context, receives them. It prints what each
// raft sees and exits 0 once member 2 has everything and member 1's raft has
// the snapshot's report; 1 on an error or after 10 seconds.
#include <rafthttp/rafthttp.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace fs = std::filesystem;

// Your raft, as etcd's Raft interface (rafthttp/policy.hpp). This one prints
// what it is given and counts it.
struct my_raft {
  const char* name = "";
  std::function<void()> on_progress;  // after every call: the program checks whether it is done
  std::size_t appends = 0;
  std::size_t snapshots = 0;
  std::optional<rafthttp::snapshot_status> snapshot_report;

  std::error_code process(rafthttp::message& m) {  // or asio::awaitable<...>
    std::printf("%s: raft processes %s from %llx (index %llu, %zu entries)\n", name,
                rafthttp::raftpb::to_string(m.type).c_str(), static_cast<unsigned long long>(m.from),
                static_cast<unsigned long long>(m.type == rafthttp::message_type::MsgSnap
                                                    ? m.snapshot.metadata.index
                                                    : m.index),
                m.entries.size());
    if (m.type == rafthttp::message_type::MsgApp) ++appends;
    if (m.type == rafthttp::message_type::MsgSnap) ++snapshots;
    progress();
    return {};
  }
  bool is_id_removed(rafthttp::member_id) { return false; }
  void report_unreachable(rafthttp::member_id id) {
    std::printf("%s: peer %llx unreachable\n", name, static_cast<unsigned long long>(id));
  }
  void report_snapshot(rafthttp::member_id id, rafthttp::snapshot_status s) {
    std::printf("%s: snapshot to %llx: %s\n", name, static_cast<unsigned long long>(id),
                std::string(rafthttp::to_string(s)).c_str());
    snapshot_report = s;
    progress();
  }

 private:
  void progress() {
    if (on_progress) on_progress();
  }
};

using my_transport = rafthttp::transport<my_raft, rafthttp::file_snapshotter>;

// What raft would send: an append with one entry, and a snapshot of index 2.
rafthttp::message append_to_2() {
  rafthttp::message msg;
  msg.type = rafthttp::message_type::MsgApp;
  msg.from = 0x1;
  msg.to = 0x2;
  msg.term = 1;
  rafthttp::raftpb::entry e;
  e.term = 1;
  e.index = 1;
  e.data = "put x=1";
  msg.entries.push_back(e);
  return msg;
}

rafthttp::message snapshot_to_2() {
  rafthttp::message msnap;
  msnap.type = rafthttp::message_type::MsgSnap;
  msnap.from = 0x1;
  msnap.to = 0x2;
  msnap.term = 1;
  msnap.snapshot.metadata.index = 2;
  msnap.snapshot.metadata.term = 1;
  msnap.snapshot.metadata.conf_state.voters = {0x1, 0x2};
  return msnap;
}

// The tour's sending, from a coroutine on the transport's thread.
asio::awaitable<void> replicate(my_transport& t, fs::path db) {
  const auto msg = append_to_2();
  t.send(msg);                                         // never blocks; drops as etcd does
  co_await t.async_send(msg, asio::use_awaitable);     // or wait for room (back-pressure)
  t.flush();                                           // optional: a burst ends, write it now
  const auto msnap = snapshot_to_2();
  const auto db_size = fs::file_size(db);
  t.send_snapshot(rafthttp::snapshot_message(msnap, std::make_unique<rafthttp::file_db_source>(db), db_size));
}

// Member 2, the peer the tour talks to.
struct member_2 {
  static rafthttp::transport_options options() {
    rafthttp::transport_options options;
    options.id = 0x2;
    options.cluster_id = 0x1000;
    options.urls = *rafthttp::url_list::parse("http://127.0.0.1:2381");
    return options;
  }

  member_2(asio::io_context& io, const fs::path& snap_dir)
      : snapshots(snap_dir), t(io.get_executor(), raft, snapshots, options()) {}

  my_raft raft;
  rafthttp::file_snapshotter snapshots;
  my_transport t;
};

int fail(const char* what, std::error_code ec) {
  std::fprintf(stderr, "tour: %s: %s\n", what, ec.message().c_str());
  return 1;
}

int tour(const fs::path& dir) {
  fs::create_directories(dir / "member-1");
  fs::create_directories(dir / "member-2");
  const auto db = dir / "db";  // the state machine's database, as a snapshot carries it
  std::ofstream(db) << "x=1\n";

  asio::io_context io;
  my_raft raft;
  raft.name = "member 1";
  rafthttp::file_snapshotter snapshots(dir / "member-1");  // %016x.snap.db

  rafthttp::transport_options options;                 // etcd's constants as defaults
  options.id = 0x1;
  options.cluster_id = 0x1000;
  options.urls = *rafthttp::url_list::parse("http://127.0.0.1:2380");

  rafthttp::transport t(io.get_executor(), raft, snapshots, options);
  if (const auto ec = t.listen()) return fail("listen", ec);  // or t.mount(your_router)
  t.add_peer(0x2, *rafthttp::url_list::parse("http://127.0.0.1:2381"));

  member_2 peer(io, dir / "member-2");
  peer.raft.name = "member 2";
  if (const auto ec = peer.t.listen()) return fail("listen (member 2)", ec);
  peer.t.add_peer(0x1, options.urls);

  // The end: both transports stop, and io.run() returns once their coroutines have.
  asio::steady_timer deadline(io, std::chrono::seconds(10));
  const auto stop = [&] {
    deadline.cancel();
    t.stop();
    peer.t.stop();
  };
  deadline.async_wait([&](std::error_code ec) {
    if (!ec) stop();
  });
  bool done = false;
  raft.on_progress = peer.raft.on_progress = [&] {
    if (done || peer.raft.appends < 2 || peer.raft.snapshots < 1 || !raft.snapshot_report) return;
    done = true;
    asio::post(io, stop);  // after this call of a policy, not inside it
  };

  asio::co_spawn(io, replicate(t, db), asio::detached);
  io.run();

  const auto received = peer.snapshots.db_path(2);
  const bool ok = done && raft.snapshot_report == rafthttp::snapshot_status::finish && fs::exists(received);
  std::printf("%s: member 2 saved the snapshot's database as %s\n", ok ? "ok" : "FAILED",
              received.filename().c_str());
  return ok ? 0 : 1;
}

int main() {
  const auto dir = fs::temp_directory_path() / ("rafthttp-tour-" + std::to_string(::getpid()));
  const int status = tour(dir);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return status;
}
