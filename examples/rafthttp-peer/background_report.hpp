// The send JSON's background_snapshot object (doc/peer-cli.md 5.7, 9.3): what
// background_snapshot.hpp measures, apart from the transport so that the
// tests can write it (tests/peer_flags.cpp).
#pragma once

#include "json_writer.hpp"

#include <rafthttp/id.hpp>

#include <cstdint>
#include <string>

namespace peer_cli {

// Written with write_background_snapshot, as these keys in this order.
struct background_snapshot_report {
  rafthttp::member_id to = 0;
  std::uint64_t snap_index = 0;
  std::uint64_t db_size = 0;
  std::string db_sha256;   // --digest full, else ""
  std::string db_check64;  // --digest cheap, else ""
  std::uint64_t total_bytes = 0;
  std::uint64_t wire_total_bytes = 0;
  std::string status = "interrupted";  // finish, failure, timeout, interrupted
  std::uint64_t db_bytes_read = 0;     // DB bytes the transport took from the file
  double first_byte_s = -1;            // send_snapshot to the first DB bytes taken; -1: none
  double elapsed_s = 0;                // send_snapshot to the outcome
  double mb_per_s = 0;                 // total_bytes / 10^6 / elapsed_s
  double measured_s = 0;               // first measured request to last measured answer
  bool overlap = false;                // every measured round trip within the transfer
};

void write_background_snapshot(json_writer& w, const background_snapshot_report& report);

}  // namespace peer_cli
