// Both ends of a snapshot transfer as the peer does them:
//  - sending: a db_source that produces the deterministic DB body lazily, so
//    that a 1 GiB snapshot never sits in memory;
//  - receiving: a Snapshotter policy that saves with the library's
//    file_snapshotter (etcd's %016x.snap.db files) and then has the saved
//    file described (size, and SHA-256 or check64 as --digest says) by a
//    thread of its own, off the request path: the sender's clock stops at the
//    204 answer, which must not wait for the digest (the Go peer does the
//    same in a goroutine). The Raft policy, which gets the MsgSnap right after
//    the DB is saved (doc/protocol.md 8.3), keeps the pending description and
//    waits for it only when it prints its JSON.
#pragma once

#include "content.hpp"
#include "digest.hpp"

#include <rafthttp/snapshot.hpp>

#include <filesystem>
#include <future>
#include <list>
#include <optional>
#include <string>

namespace peer_cli {

// --------------------------------------------------------------- sending ---

// The DB body of doc/peer-cli.md 6.2: the first `size` bytes of stream(seed, 2^64-1).
class deterministic_db_source final : public rafthttp::db_source {
 public:
  deterministic_db_source(std::uint64_t seed, std::uint64_t size) : stream_(seed, db_stream_key), left_(size) {}

  asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) override;

 private:
  byte_stream stream_;
  std::uint64_t left_;
};

// A DB body's size and digest in one --digest mode (the other digest empty).
struct db_description {
  std::int64_t size = -1;  // -1: the file could not be read
  std::string sha256;      // --digest full
  std::string check64;     // --digest cheap
};

// The first `size` bytes of stream(seed, key), described.
[[nodiscard]] db_description describe_stream(std::uint64_t seed, std::uint64_t key, std::uint64_t size, digest_mode mode);

// The first `size` bytes of stream(seed, key) written into a new file at
// `path` (replaced if it exists), and described; nothing if the file cannot
// be written.
[[nodiscard]] std::optional<db_description> write_stream_file(const std::filesystem::path& path, std::uint64_t seed,
                                                              std::uint64_t key, std::uint64_t size, digest_mode mode);

// A file on disk, described.
[[nodiscard]] db_description describe_file(const std::filesystem::path& path, digest_mode mode);

// ------------------------------------------------------------- receiving ---

// A received DB, as the JSON's "snapshots" list reports it.
struct saved_db {
  rafthttp::member_id from = 0;
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::string path;
  // Computed by a thread of its own from the saved file; get() waits for it.
  std::shared_future<db_description> description;
};

// DBs the snapshotter saved whose MsgSnap has not reached process() yet.
class saved_dbs {
 public:
  void add(saved_db db) { waiting_.push_back(std::move(db)); }
  // The DB saved for this MsgSnap, if any (a MsgSnap sent through the
  // pipeline, without a DB, has none).
  [[nodiscard]] std::optional<saved_db> take(rafthttp::member_id from, std::uint64_t index);

 private:
  std::list<saved_db> waiting_;
};

// The Snapshotter policy (rafthttp/policy.hpp): save_db(msnap, body). A DB
// that was already on disk is kept, as etcd keeps it; the description is
// then that of the file.
class describing_snapshotter {
 public:
  describing_snapshotter(std::filesystem::path dir, saved_dbs& saved, digest_mode mode)
      : files_(std::move(dir)), saved_(saved), mode_(mode) {}

  asio::awaitable<std::error_code> save_db(const rafthttp::message& msnap, rafthttp::db_reader& body);

 private:
  rafthttp::file_snapshotter files_;
  saved_dbs& saved_;
  digest_mode mode_;
};

}  // namespace peer_cli
