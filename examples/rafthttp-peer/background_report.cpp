#include "background_report.hpp"

namespace peer_cli {

void write_background_snapshot(json_writer& w, const background_snapshot_report& r) {
  w.begin_object();
  w.field("to", rafthttp::format_id(r.to))
      .field("snap_index", r.snap_index)
      .field("db_size", r.db_size)
      .field("db_sha256", r.db_sha256)
      .field("db_check64", r.db_check64)
      .field("total_bytes", r.total_bytes)
      .field("wire_total_bytes", r.wire_total_bytes)
      .field("status", r.status)
      .field("db_bytes_read", r.db_bytes_read)
      .field("first_byte_s", r.first_byte_s)
      .field("elapsed_s", r.elapsed_s)
      .field("mb_per_s", r.mb_per_s)
      .field("measured_s", r.measured_s)
      .field("overlap", r.overlap);
  w.end_object();
}

}  // namespace peer_cli
