// Snapshots end to end (doc/protocol.md 8): a MsgSnap travels as one POST
// /raft/snapshot, the length-prefixed message followed by the database bytes,
// streamed from a source in chunks and never held in memory whole. Its parts
// live in snapshot/:
//
//   snapshot/db.hpp                db_source (memory_db_source, file_db_source)
//                                  for sending; db_reader for receiving
//   snapshot/sender.hpp            snapshot_message → transport::send_snapshot /
//                                  async_send_snapshot; the POST and its reports
//   snapshot/receiver.hpp          POST /raft/snapshot: envelope, save, Process
//   snapshot/file_snapshotter.hpp  etcd's Snapshotter (%016x.snap.db, temp file,
//                                  fsync, rename)
#pragma once

#include <rafthttp/snapshot/db.hpp>
#include <rafthttp/snapshot/file_snapshotter.hpp>
#include <rafthttp/snapshot/receiver.hpp>
#include <rafthttp/snapshot/sender.hpp>
