// What the snapshot tests share: a scratch directory, a sender and a
// receiver transport saving into it, MsgSnaps, DB bytes, and sources that fail
// or wait at the test's command.
#pragma once

#include "coro.hpp"
#include "fake_peer.hpp"
#include "members.hpp"
#include "recording_raft.hpp"
#include "scratch_dir.hpp"

#include <rafthttp/snapshot.hpp>
#include <rafthttp/transport.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace rafthttp::test {

namespace fs = std::filesystem;

using snapshot_transport = transport<recording_raft, file_snapshotter>;

// Sender 1 and receiver 2, the receiver saving into a directory.
struct snapshot_pair {
  explicit snapshot_pair(asio::io_context& ctx, transport_options receiver_options = member_options(2))
      : receiver_snaps(dir.path),
        sender(ctx.get_executor(), sender_raft, sender_snaps, member_options(1)),
        receiver(ctx.get_executor(), receiver_raft, receiver_snaps, receiver_options) {
    REQUIRE_FALSE(receiver.listen(loopback()));
    sender.add_peer(2, url_of(receiver.local_endpoint()));
  }

  scratch_dir dir{"rafthttp-snap-"};
  recording_raft sender_raft, receiver_raft;
  file_snapshotter sender_snaps{fs::temp_directory_path()};
  file_snapshotter receiver_snaps;
  snapshot_transport sender;
  snapshot_transport receiver;
};

inline message msnap(std::uint64_t index, member_id to = 2) {
  message m;
  m.type = message_type::MsgSnap;
  m.from = 1;
  m.to = to;
  m.term = 3;
  m.snapshot.metadata.index = index;
  m.snapshot.metadata.term = 3;
  m.snapshot.metadata.conf_state.voters = {1, 2};
  m.snapshot.data = "v2 store";
  return m;
}

inline std::string db_bytes(std::size_t n) {
  std::string out(n, '\0');
  std::mt19937 rng(9);
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

inline std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A source that fails after `good` bytes.
class failing_source final : public db_source {
 public:
  explicit failing_source(std::size_t good) : left_(good) {}
  asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) override {
    if (left_ == 0) co_return read_result(std::make_error_code(std::errc::io_error), 0);
    const auto n = std::min(left_, into.size());
    std::fill_n(into.begin(), n, std::uint8_t{7});
    left_ -= n;
    co_return read_result(std::error_code{}, n);
  }

 private:
  std::size_t left_;
};

// A source that gives `free` bytes at once, then waits for the test to open
// its gate before each further read (a slow disk under the test's control).
class gated_source final : public db_source {
 public:
  gated_source(asio::io_context& ctx, std::size_t free) : free_(free), gate(ctx.get_executor()) {}
  asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) override {
    while (free_ == 0 && !open) {
      waiting = true;
      co_await gate.wait();
    }
    waiting = false;
    const auto n = open ? into.size() : std::min(free_, into.size());
    std::fill_n(into.begin(), n, std::uint8_t{7});
    free_ -= std::min(free_, n);
    co_return read_result(std::error_code{}, n);
  }
  bool open = false;
  bool waiting = false;  // a read waits for the gate

 private:
  std::size_t free_;

 public:
  detail::notifier gate;
};

}  // namespace rafthttp::test
