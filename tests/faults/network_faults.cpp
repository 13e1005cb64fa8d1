// Network faults between two transports, injected by fault proxies
// (support/fault_proxy.hpp): resets mid-frame and mid-snapshot, a receiver
// that stops reading, a peer that accepts and never answers, half-open
// connections, corrupted bytes, a slow link. Each scenario checks that
// nothing crashes or hangs, queued bytes stay within the caps, the streams
// recover once the fault is gone, and no message arrives twice or out of
// order on a stream (every message raft got is one that was sent).
#include "faults/common.hpp"

#include <set>

using namespace rafthttp;
using namespace rafthttp::test;
using namespace rafthttp::test::faults;

namespace {

std::size_t count_of(const recording_raft& raft, message_type type, member_id from) {
  return static_cast<std::size_t>(std::ranges::count_if(
      raft.processed, [&](const message& m) { return m.type == type && m.from == from; }));
}

// How many of the numbers in [first, last] arrived.
std::size_t count_in(const std::vector<std::uint64_t>& seqs, std::uint64_t first, std::uint64_t last) {
  return static_cast<std::size_t>(
      std::ranges::count_if(seqs, [&](std::uint64_t s) { return s >= first && s <= last; }));
}

std::size_t arrived_in(const proxied_pair& pair, stream_type type, std::uint64_t first, std::uint64_t last) {
  std::size_t n = 0;
  for (const auto& m : pair.raft1.processed)
    if (m.type == carried_by(type) && m.from == 2 && seq_of(m) >= first && seq_of(m) <= last) ++n;
  return n;
}

// 1's reader of `type` dialled again through p12 after `links_before`
// dials, and 2's writer carries that new connection.
bool redialled(const proxied_pair& pair, stream_type type, std::size_t links_before) {
  const auto path = stream_path(type, 1);
  const auto newest = pair.p12.newest(path);
  return pair.p12.links(path) > links_before && newest && newest->open && pair.two_to_one(type);
}

bool is_decoding_error(const std::string& error) {
  for (const std::error_code e :
       {std::error_code(codec::errc::malformed_protobuf), std::error_code(codec::errc::truncated),
        std::error_code(codec::errc::frame_too_large), std::error_code(codec::errc::unknown_record_type),
        std::error_code(codec::errc::too_many_entries), std::error_code(http::errc::parse_error)})
    if (error == error_text(e)) return true;
  return false;
}

snapshot_message snapshot_of(std::uint64_t index, const std::string& db) {
  message m;
  m.type = message_type::MsgSnap;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.snapshot.metadata.index = index;
  m.snapshot.metadata.term = 3;
  m.snapshot.metadata.conf_state.voters = {1, 2};
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(db.data());
  return snapshot_message(std::move(m), std::make_unique<memory_db_source>(std::span(bytes, db.size())), db.size());
}

}  // namespace

CORO_TEST_CASE("faults: a connection reset mid-frame drops the stream; it is redialled, nothing twice or out of order") {
  for (const auto type : {stream_type::message, stream_type::msgapp}) {
    INFO("stream ", path_segment(type));
    proxied_pair pair(ctx);
    CO_WAIT_UNTIL(pair.all_attached());
    const auto path = stream_path(type, 1);
    pair.send_two_to_one(type, 1, 50);
    CO_WAIT_UNTIL(count_of(pair.raft1, carried_by(type), 2) == 50);

    const auto links_before = pair.p12.links(path);
    const auto losses_before = pair.log1.reader_losses(type).size();
    // 16 KiB into the next bytes, which are mostly a 256 KiB frame.
    pair.p12.reset_after(direction::to_client, 16 * 1024, path);
    pair.send_two_to_one(type, 51, 1, 256 * 1024);
    CO_WAIT_UNTIL(pair.log1.reader_losses(type).size() > losses_before);
    CHECK_FALSE(pair.p12.tampering_pending());
    CHECK(std::ranges::any_of(pair.p12.all_links(), [](const auto& l) { return l->was_reset; }));
    CO_WAIT_UNTIL(redialled(pair, type, links_before));
    CHECK(pair.queued_within_caps());

    pair.send_two_to_one(type, 52, 50);
    CO_WAIT_UNTIL(arrived_in(pair, type, 52, 101) == 50);
    const auto seqs = pair.received_by_one(type);
    CHECK(strictly_increasing(seqs));
    CHECK_FALSE(contains(seqs, 51));  // cut: never delivered, not even in part
    CHECK(seqs.size() == 100);
    CHECK(pair.queued_within_caps());
    co_await pair.stop();
  }
}

CORO_TEST_CASE("faults: a connection reset mid-snapshot fails the transfer on both sides; the next one arrives whole") {
  proxied_pair pair(ctx);
  std::string db(2 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < db.size(); ++i) db[i] = static_cast<char>(i * 7 + i / 4096);

  pair.p12.reset_after(direction::to_server, 512 * 1024, "/raft/snapshot");
  auto first = snapshot_of(7, db);
  auto ec = std::get<0>(co_await pair.t1.async_send_snapshot(std::move(first), test::use_tuple));
  CHECK(ec);
  CHECK_FALSE(pair.p12.tampering_pending());
  REQUIRE(pair.raft1.snapshot_reports.size() == 1);
  CHECK(pair.raft1.snapshot_reports[0].second == snapshot_status::failure);
  // The receiver's handler ended too (no hang), saved nothing, told raft nothing.
  CO_WAIT_UNTIL(pair.log2.count("failed to save incoming database snapshot") == 1);
  CHECK(pair.snaps2.dbs.empty());
  CHECK(count_of(pair.raft2, message_type::MsgSnap, 1) == 0);

  auto second = snapshot_of(8, db);
  ec = std::get<0>(co_await pair.t1.async_send_snapshot(std::move(second), test::use_tuple));
  CHECK_FALSE(ec);
  REQUIRE(pair.snaps2.dbs.contains(8));
  CHECK(pair.snaps2.dbs.at(8) == db);
  CHECK(pair.snaps2.dbs.size() == 1);
  REQUIRE(count_of(pair.raft2, message_type::MsgSnap, 1) == 1);
  CHECK(pair.raft1.snapshot_reports.back().second == snapshot_status::finish);
  CHECK(pair.queued_within_caps());
  co_await pair.stop();
}

CORO_TEST_CASE("faults: a receiver that stops reading: the sender's queue stays within its byte cap, drops with "
               "unreachable reports, lets go at the write timeout, and the stream recovers") {
  constexpr std::size_t cap = 1024 * 1024;
  auto receiver = fast_options(1);
  receiver.client.read_timeout = 5s;  // 1 keeps the stuck stream: the sender must cope alone
  auto sender = fast_options(2);
  sender.max_queued_bytes_per_peer = cap;
  sender.server.write_timeout = 600ms;
  proxied_pair pair(ctx, receiver, sender);
  CO_WAIT_UNTIL(pair.all_attached());
  const auto type = stream_type::message;
  const auto path = stream_path(type, 1);
  pair.send_two_to_one(type, 1, 20);
  CO_WAIT_UNTIL(count_of(pair.raft1, message_type::MsgHeartbeat, 2) == 20);

  pair.p12.set(direction::to_client, fault::stall(), path);
  const auto& to_one = *pair.t2.find_peer(1);
  std::size_t most_queued = 0;
  std::size_t dropped = 0;
  std::uint64_t seq = 21;
  // 16 KiB messages until one drops, whenever the queue has room again: the
  // socket buffers fill up, the writer blocks, its queue grows to the cap
  // and sends drop, until the write timeout ends the connection.
  for (int turn = 0; to_one.streams_attached(type); ++turn) {
    REQUIRE(turn < 100000);
    for (int i = 0; i < 128; ++i) {
      auto m = numbered(message_type::MsgHeartbeat, 2, 1, seq, 16 * 1024);
      const auto ec = pair.t2.send(m);
      most_queued = std::max(most_queued, to_one.queued_bytes());
      if (ec == errc::queue_full) {
        ++dropped;
        break;
      }
      REQUIRE_FALSE(ec);
      pair.sent.emplace(std::pair(m.type, seq), std::move(m));
      ++seq;
    }
    co_await yield(ctx);
    const bool room_or_gone = co_await test::until(
        [&] { return to_one.queued_bytes() < cap / 2 || !to_one.streams_attached(type); }, 5s);
    REQUIRE(room_or_gone);
  }
  CHECK(dropped > 0);
  CHECK(most_queued <= cap);
  CHECK(most_queued > cap - 32 * 1024);  // the queue did fill up
  CHECK(pair.raft2.unreachable[1] >= 1);
  // The write timeout ended the stuck connection and released its queue.
  CHECK(to_one.queued_bytes() == 0);
  CHECK(pair.log2.count("lost TCP streaming connection with remote peer", "error", error_text(http::errc::timeout)) == 1);
  CHECK(pair.t1.find_peer(2)->reader_attached(type));  // the receiver never noticed (5 s)

  const auto links_at_heal = pair.p12.links(path);
  pair.p12.heal();
  CO_WAIT_UNTIL(redialled(pair, type, links_at_heal));
  const auto next = seq;
  pair.send_two_to_one(type, next, 50);
  CO_WAIT_UNTIL(arrived_in(pair, type, next, next + 49) == 50);
  const auto seqs = pair.received_by_one(type);
  CHECK(strictly_increasing(seqs));
  CHECK(count_in(seqs, 1, 20) == 20);
  CHECK(pair.queued_within_caps());
  co_await pair.stop();
}

CORO_TEST_CASE("faults: a receiver that stalls again and again while 1 MiB messages flow: the sender's stream "
               "writer allocates about its byte cap, not twice it") {
  constexpr std::size_t mib = 1024 * 1024;
  auto receiver = fast_options(1);
  receiver.client.read_timeout = 30s;  // 1 keeps the stalled stream
  auto sender = fast_options(2);
  sender.server.write_timeout = 30s;  // 2 keeps it too
  const std::size_t cap = sender.max_queued_bytes_per_peer;  // the default, 64 MiB
  proxied_pair pair(ctx, receiver, sender);
  CO_WAIT_UNTIL(pair.all_attached());
  // What arrives is counted, not kept: the heap measures the sender. (The
  // message is not used after on_process returns.)
  std::size_t arrived = 0;
  pair.raft1.on_process = [&](const message&) {
    ++arrived;
    pair.raft1.processed.clear();
  };
  const auto type = stream_type::message;
  const auto& to_one = *pair.t2.find_peer(1);
  auto m = numbered(message_type::MsgHeartbeat, 2, 1, 1, mib);
  std::uint64_t sent = 0;

  // Two rounds: the receiver stalls, the sender fills its byte cap at once
  // (the writer's coroutine runs only after), then the receiver reads it all.
  // Before, the writer kept its queue in one buffer that grew by doubling to
  // the cap (and another that took turns with it): the cap and half again
  // at the last doubling.
  const auto mark = heap::mark();
  for (int round = 0; round < 2; ++round) {
    pair.p12.set(direction::to_client, fault::stall(), stream_path(type, 1));
    for (;;) {
      REQUIRE(sent < 1000);
      m.commit = sent + 1;
      if (pair.t2.send(m) == errc::queue_full) break;
      ++sent;
    }
    CHECK(to_one.queued_bytes() > cap - 2 * mib);  // the cap is full
    pair.p12.heal();
    CO_WAIT_UNTIL(arrived == sent);
  }
  if (heap::tracking()) {
    const auto growth = heap::growth_since(mark);
    // The cap's worth of segments, the one being filled, and the spares.
    CHECK_MESSAGE(growth < cap + 4 * detail::write_queue::segment_bytes, "live heap grew by " << growth << " bytes");
  }
  co_await pair.stop();
}

CORO_TEST_CASE("faults: a peer that accepts and never answers: dials time out and are paced, the pipeline stays "
               "bounded, sends drop with reports, stop does not hang; streams recover once it answers") {
  recorded_log log1;
  recording_raft raft1, raft2;
  memory_snapshotter snaps1, snaps2;
  auto o1 = fast_options(1);
  o1.log = log1.sink();
  test_transport t1(ctx.get_executor(), raft1, snaps1, o1);
  REQUIRE_FALSE(t1.listen(loopback()));
  fault_proxy hung(ctx);  // accepts, reads, never answers, never closes
  const auto started = clock::now();
  t1.add_peer(2, hung.url());
  const auto message_path = stream_path(stream_type::message, 1);
  const auto msgapp_path = stream_path(stream_type::msgapp, 1);
  CO_WAIT_UNTIL(hung.links(message_path) >= 3 && hung.links(msgapp_path) >= 3);
  // Each dial waited one read timeout for an answer before the next.
  CHECK(clock::now() - started >= 2 * o1.client.read_timeout - 50ms);
  CHECK(hung.open_links("/raft/stream/") <= 2);
  CHECK_FALSE(t1.find_peer(2)->status().active());

  // No stream: sends take the pipeline, whose 4 requests hang; 64 more
  // queue; the rest drop, each reported.
  std::size_t queued = 0;
  std::uint64_t seq = 1;
  for (int i = 0; i < 100; ++i) queued += !t1.send(numbered(message_type::MsgHeartbeat, 1, 2, seq++)) ? 1 : 0;
  const std::string post = "POST /raft HTTP";
  CO_WAIT_UNTIL(hung.open_links(post) == 4);
  for (int i = 0; i < 100; ++i) queued += !t1.send(numbered(message_type::MsgHeartbeat, 1, 2, seq++)) ? 1 : 0;
  CHECK(queued == 4 + 64);
  CHECK(raft1.unreachable[2] == 200 - 68);
  // Held: the 68 accepted (4 in flight, 64 queued), each no bigger than the last.
  CHECK(t1.find_peer(2)->queued_bytes() <= queued * raftpb::encoded_size(numbered(message_type::MsgHeartbeat, 1, 2, seq)));
  for (int i = 0; i < 5; ++i) co_await yield(ctx);
  CHECK(hung.open_links(post) == 4);  // no more connections than workers

  // The peer answers again: new connections reach member 2, which dials 1.
  recorded_log log2;
  auto o2 = fast_options(2);
  o2.log = log2.sink();
  test_transport t2(ctx.get_executor(), raft2, snaps2, o2);
  REQUIRE_FALSE(t2.listen(loopback()));
  t2.add_peer(1, url_of(t1.local_endpoint()));
  hung.set_upstream(t2.local_endpoint());
  const auto& to_two = *t1.find_peer(2);
  CO_WAIT_UNTIL(to_two.reader_attached(stream_type::message) && to_two.reader_attached(stream_type::msgapp) &&
                to_two.streams_attached(stream_type::message) && to_two.streams_attached(stream_type::msgapp));
  // The streams carry traffic although the 4 requests still hang (Go's
  // pipeline has no response timeout either, doc/protocol.md 7.2).
  CHECK(hung.open_links(post) == 4);
  sent_log sent;
  for (std::uint64_t s = 1001; s <= 1050; ++s) {
    auto m = numbered(message_type::MsgApp, 1, 2, s);
    REQUIRE_FALSE(t1.send(m));
    sent.emplace(std::pair(m.type, s), std::move(m));
  }
  CO_WAIT_UNTIL(count_of(raft2, message_type::MsgApp, 1) == 50);
  const auto on_stream = received_seqs(raft2, sent, message_type::MsgApp, 1);
  CHECK(strictly_increasing(on_stream));

  // The hung connections die (as when the peer restarts): the 4 requests
  // fail and are reported, the 64 queued ones go through, once each.
  const auto unreachable_before = raft1.unreachable[2];
  hung.reset_all(post);
  CO_WAIT_UNTIL(count_of(raft2, message_type::MsgHeartbeat, 1) == 64 && raft1.unreachable[2] == unreachable_before + 4);
  std::set<std::uint64_t> distinct;
  for (const auto& m : raft2.processed)
    if (m.type == message_type::MsgHeartbeat) distinct.insert(seq_of(m));
  CHECK(distinct.size() == 64);

  const auto stopping = clock::now();
  co_await t1.async_stop(asio::use_awaitable);
  co_await t2.async_stop(asio::use_awaitable);
  CHECK(clock::now() - stopping < 1s);
  hung.stop();
}

CORO_TEST_CASE("faults: a half-open stream (one direction stalled or blackholed, never closed) is detected by the "
               "read timeout and recovers; what was sent into it is lost, never delivered late or twice") {
  for (const bool blackhole : {false, true}) {
    const std::string_view fault_name = blackhole ? "blackhole" : "stall";
    INFO(fault_name);
    proxied_pair pair(ctx);
    CO_WAIT_UNTIL(pair.all_attached());
    for (auto type : {stream_type::message, stream_type::msgapp}) pair.send_two_to_one(type, 1, 20);
    CO_WAIT_UNTIL(count_of(pair.raft1, message_type::MsgApp, 2) == 20 &&
                  count_of(pair.raft1, message_type::MsgHeartbeat, 2) == 20);

    const auto options = pair.t1.options();
    const auto started = clock::now();
    pair.p12.set(direction::to_client, blackhole ? fault::blackhole() : fault::stall(), "/raft/stream/");
    for (auto type : {stream_type::message, stream_type::msgapp}) pair.send_two_to_one(type, 21, 10);
    const auto& to_two = *pair.t1.find_peer(2);
    CO_WAIT_UNTIL(!to_two.reader_attached(stream_type::message) && !to_two.reader_attached(stream_type::msgapp));
    const auto detected = clock::now() - started;
    // Heartbeats stopped arriving: each reader's pending read timed out.
    CHECK(detected >= options.client.read_timeout - options.link_heartbeat_interval - 20ms);
    CHECK(detected < options.client.read_timeout + 600ms);
    for (auto type : {stream_type::message, stream_type::msgapp}) {
      const auto losses = pair.log1.reader_losses(type);
      CHECK(std::ranges::count(losses, error_text(http::errc::timeout)) >= 1);
    }
    CHECK_FALSE(to_two.status().active());

    std::array<std::size_t, 2> links_at_heal{};
    for (auto type : {stream_type::message, stream_type::msgapp})
      links_at_heal[static_cast<int>(type)] = pair.p12.links(stream_path(type, 1));
    pair.p12.heal();
    for (auto type : {stream_type::message, stream_type::msgapp}) {
      CO_WAIT_UNTIL(redialled(pair, type, links_at_heal[static_cast<int>(type)]));
      pair.send_two_to_one(type, 31, 50);
    }
    for (auto type : {stream_type::message, stream_type::msgapp}) {
      CO_WAIT_UNTIL(arrived_in(pair, type, 31, 80) == 50);
      const auto seqs = pair.received_by_one(type);
      CHECK(strictly_increasing(seqs));
      CHECK(count_in(seqs, 1, 20) == 20);
      CHECK(count_in(seqs, 21, 30) == 0);  // into the dead connection: lost
    }
    CHECK(to_two.status().active());
    CHECK(pair.queued_within_caps());
    co_await pair.stop();
  }
}

CORO_TEST_CASE("faults: corrupted stream bytes drop the stream with a decoding error; nothing malformed reaches "
               "raft; the stream is redialled") {
  for (const auto type : {stream_type::message, stream_type::msgapp}) {
    INFO("stream ", path_segment(type));
    proxied_pair pair(ctx);
    CO_WAIT_UNTIL(pair.all_attached());
    const auto path = stream_path(type, 1);
    pair.send_two_to_one(type, 1, 20);
    CO_WAIT_UNTIL(count_of(pair.raft1, carried_by(type), 2) == 20);

    const auto links_before = pair.p12.links(path);
    const auto losses_before = pair.log1.reader_losses(type).size();
    // 64 bytes of 0xff, 300 bytes into what comes next (messages of ~40 bytes).
    pair.p12.corrupt(direction::to_client, 300, 64, path);
    pair.send_two_to_one(type, 21, 200);
    CO_WAIT_UNTIL(!pair.p12.tampering_pending());
    CO_WAIT_UNTIL(pair.log1.reader_losses(type).size() > losses_before);
    const auto error = pair.log1.reader_losses(type).back();
    CHECK_MESSAGE(is_decoding_error(error), "unexpected error: " << error);
    CO_WAIT_UNTIL(redialled(pair, type, links_before));

    pair.send_two_to_one(type, 221, 50);
    CO_WAIT_UNTIL(arrived_in(pair, type, 221, 270) == 50);
    const auto seqs = pair.received_by_one(type);  // each equal to what was sent
    CHECK(strictly_increasing(seqs));
    CHECK(count_in(seqs, 1, 20) == 20);
    CHECK(count_in(seqs, 21, 220) < 200);  // the corrupted part never arrived
    CHECK(pair.queued_within_caps());
    co_await pair.stop();
  }
}

CORO_TEST_CASE("faults: a slow link (delayed, then throttled) keeps the streams attached, complete and in order") {
  proxied_pair pair(ctx);
  CO_WAIT_UNTIL(pair.all_attached());
  const auto links_before = pair.p12.links("/raft/stream/");

  pair.p12.set(direction::to_client, fault::delay(150ms));
  pair.p12.set(direction::to_server, fault::delay(150ms));
  auto start = clock::now();
  for (auto type : {stream_type::message, stream_type::msgapp}) pair.send_two_to_one(type, 1, 100);
  CO_WAIT_UNTIL(count_of(pair.raft1, message_type::MsgApp, 2) == 100 &&
                count_of(pair.raft1, message_type::MsgHeartbeat, 2) == 100);
  CHECK(clock::now() - start >= 150ms);

  // 512 KiB at 1 MiB/s: half a second, with heartbeats in between.
  pair.p12.heal();
  pair.p12.set(direction::to_client, fault::throttle(1024 * 1024));
  start = clock::now();
  pair.send_two_to_one(stream_type::msgapp, 101, 64, 8 * 1024);
  CO_WAIT_UNTIL(count_of(pair.raft1, message_type::MsgApp, 2) == 164);
  CHECK(clock::now() - start >= 400ms);

  CHECK(pair.p12.links("/raft/stream/") == links_before);  // no stream was lost and redialled
  for (auto type : {stream_type::message, stream_type::msgapp}) {
    const auto seqs = pair.received_by_one(type);
    CHECK(strictly_increasing(seqs));
  }
  CHECK(pair.raft2.unreachable.empty());
  CHECK(pair.queued_within_caps());
  co_await pair.stop();
}
