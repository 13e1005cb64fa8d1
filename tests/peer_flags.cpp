// rafthttp-peer's command line (examples/rafthttp-peer/flags.hpp) for
// send --background-snapshot-to (doc/peer-cli.md 4.5, 4.9, 5.7): accepted and
// refused as the Go peers' flags_test.go expects, and the JSON object it adds
// to the send mode's output (background_report.hpp, 9.3).
#include "../examples/rafthttp-peer/flags.hpp"

#include "../examples/rafthttp-peer/background_report.hpp"

#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace {

using peer_cli::parse_flags;
using peer_cli::parse_result;

parse_result parse(std::initializer_list<std::string_view> args) {
  const std::vector<std::string_view> v(args);
  return parse_flags(v);
}

// A send run from member 1 to 2 with members 2 and 3 as peers, and `extra`.
parse_result parse_send(std::initializer_list<std::string_view> extra) {
  std::vector<std::string_view> v{"--mode", "send", "--id", "1", "--listen", "http://127.0.0.1:2381",
                                  "--peer", "2=http://127.0.0.1:2382", "--peer", "3=http://127.0.0.1:2383",
                                  "--to",   "2"};
  v.insert(v.end(), extra.begin(), extra.end());
  return parse_flags(v);
}

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("--background-snapshot-to: a --peer in send mode") {
  const auto without = parse_send({});
  REQUIRE(without.cfg);
  CHECK(without.cfg->background_snapshot_to == 0);

  const auto with = parse_send({"--type", "MsgHeartbeat", "--await-acks", "--window", "1", "--background-snapshot-to",
                                "3", "--db-size", "16777216"});
  REQUIRE_MESSAGE(with.cfg, with.error);
  CHECK(with.cfg->background_snapshot_to == 3);
  CHECK(with.cfg->db_size == 16u << 20);
  CHECK(with.cfg->to == 2);
  CHECK(with.cfg->window == 1);

  // A member id as Go's ParseUint(s, 16, 64) reads it, "=" syntax.
  const auto hex = parse_send({"--peer", "a=http://127.0.0.1:2390", "--background-snapshot-to=0A"});
  REQUIRE_MESSAGE(hex.cfg, hex.error);
  CHECK(hex.cfg->background_snapshot_to == 10);
}

TEST_CASE("--background-snapshot-to: refused outside send mode, for a non-peer, for a bad id") {
  struct refused {
    parse_result result;
    std::string_view error;
  };
  const refused cases[] = {
      {parse_send({"--background-snapshot-to", "4"}), "--background-snapshot-to 4 must be a --peer"},
      {parse_send({"--remote", "4=http://127.0.0.1:2384", "--background-snapshot-to", "4"}),
       "--background-snapshot-to 4 must be a --peer"},
      {parse_send({"--background-snapshot-to", "x"}), "invalid value \"x\" for flag -background-snapshot-to"},
      {parse({"--mode", "snapshot", "--id", "1", "--listen", "http://127.0.0.1:2381", "--peer",
              "3=http://127.0.0.1:2383", "--to", "3", "--background-snapshot-to", "3"}),
       "--background-snapshot-to is for --mode send"},
      {parse({"--mode", "sink", "--id", "1", "--listen", "http://127.0.0.1:2381", "--peer",
              "3=http://127.0.0.1:2383", "--background-snapshot-to", "3"}),
       "--background-snapshot-to is for --mode send"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.error);
    CHECK_FALSE(c.result.cfg);
    CHECK_MESSAGE(starts_with(c.result.error, c.error), c.result.error);
  }
}

TEST_CASE("background_snapshot JSON: the keys of doc/peer-cli.md 9.3, in order, as Go encodes them") {
  peer_cli::background_snapshot_report r;
  r.to = 0x3;
  r.snap_index = 101;
  r.db_size = 1073741824;
  r.db_sha256 = "ab";
  r.total_bytes = 1073741860;
  r.wire_total_bytes = 1073741850;
  r.status = "finish";
  r.db_bytes_read = 1073741824;
  r.first_byte_s = 0.25;
  r.elapsed_s = 2.5;
  r.mb_per_s = 429.5;
  r.measured_s = 2.25;
  r.overlap = true;
  peer_cli::json_writer w;
  write_background_snapshot(w, r);
  CHECK(w.text() ==
        "{\"to\":\"3\",\"snap_index\":101,\"db_size\":1073741824,\"db_sha256\":\"ab\",\"db_check64\":\"\","
        "\"total_bytes\":1073741860,\"wire_total_bytes\":1073741850,\"status\":\"finish\","
        "\"db_bytes_read\":1073741824,\"first_byte_s\":0.25,\"elapsed_s\":2.5,\"mb_per_s\":429.5,"
        "\"measured_s\":2.25,\"overlap\":true}");

  // Never sent (a signal before the transfer): no first byte, nothing measured.
  peer_cli::json_writer never;
  write_background_snapshot(never, peer_cli::background_snapshot_report{});
  CHECK(never.text() ==
        "{\"to\":\"0\",\"snap_index\":0,\"db_size\":0,\"db_sha256\":\"\",\"db_check64\":\"\",\"total_bytes\":0,"
        "\"wire_total_bytes\":0,\"status\":\"interrupted\",\"db_bytes_read\":0,\"first_byte_s\":-1,"
        "\"elapsed_s\":0,\"mb_per_s\":0,\"measured_s\":0,\"overlap\":false}");
}
