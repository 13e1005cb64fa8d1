// send: --count messages of --type to --to through transport.send(), as raft
// hands a transport its messages, optionally paced (--rate) and, against an
// echo, with at most --window unanswered (--await-acks).
//
// Drops. transport.send() never blocks: when a buffer is full it drops the
// message, tells raft (report_unreachable, for a peer) and returns
// errc::queue_full. --on-drop retry then sends the message again after a short
// backoff (letting the event loop drain the buffers meanwhile); --on-drop drop
// counts it. A program that would rather wait for room than drop can
// `co_await transport.async_send(m, asio::use_awaitable)` instead (peers only).
#include "peer_env.hpp"

#include "background_snapshot.hpp"
#include "content.hpp"
#include "stats.hpp"

#include <rafthttp/raftpb/codec.hpp>

#include <asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

namespace peer_cli {

namespace {

using clock = steady_clock;
using rafthttp::message;

// Backoff after a drop (--on-drop retry): doubles from min to max, back to
// min once a message went through.
constexpr auto retry_backoff_min = std::chrono::microseconds(50);
constexpr auto retry_backoff_max = std::chrono::milliseconds(5);
// --await-acks gives up when no answer arrived for this long.
constexpr auto ack_stall = std::chrono::seconds(10);
// A raft node hands its transport a batch of messages per Ready, then lets the
// loop run; so do we, so that stream writers flush while we produce.
constexpr std::uint64_t messages_per_yield = 256;
// After the last send: how long we let the transport empty the peer's queues
// before lingering (with --linger 0 the transport stops right after), and how
// often we look.
constexpr auto drain_timeout = std::chrono::seconds(1);
constexpr auto drain_poll_interval = std::chrono::microseconds(100);

// ------------------------------------------------------------ ack_tracker ---

// Matches echo answers to outstanding requests (see ack_key) and measures the
// latency from send to answer.
class ack_tracker {
 public:
  enum class wait_result { ready, interrupted, stalled };

  ack_tracker(const config& cfg, run_control& control)
      : response_type_(*ack_response_type(cfg.content.type)), peer_(cfg.to), window_(cfg.window), control_(control) {
    // Every latency is kept (exact percentiles); reserved at once, the vector
    // never holds two copies while growing, and as float (peak RSS is a
    // benchmark row: 200,000 latencies are 0.8 MB instead of 1.6).
    latencies_us_.reserve(cfg.count);
  }

  // --background-snapshot-to: answers are latency samples only while this
  // says so (the transfer is in flight); the others are matched and counted.
  void measure_while(std::function<bool()> measuring) { measuring_ = std::move(measuring); }
  [[nodiscard]] std::uint64_t samples() const { return latencies_us_.size(); }
  [[nodiscard]] clock::time_point last_sample() const { return last_sample_; }

  [[nodiscard]] std::uint64_t window() const { return window_; }
  [[nodiscard]] bool window_full() const { return outstanding_ >= window_; }

  // The recorder's hook: every accepted message passes here.
  void on_message(const message& m, clock::time_point arrival) {
    if (m.type != response_type_ || m.from != peer_) return;
    const auto it = pending_.find(ack_key(m));
    if (it == pending_.end() || it->second.empty()) {
      ++unmatched_;
      return;
    }
    if (!measuring_ || measuring_()) {
      latencies_us_.push_back(std::chrono::duration<float, std::micro>(arrival - it->second.front()).count());
      last_sample_ = arrival;
    }
    it->second.erase(it->second.begin());
    if (it->second.empty()) pending_.erase(it);
    --outstanding_;
    ++acked_;
    last_ack_ = arrival;
    if (outstanding_ < wake_below_) control_.wake();
  }

  void begin(std::uint64_t key, clock::time_point sent) {
    pending_[key].push_back(sent);
    ++outstanding_;
  }

  // Withdraws the latest request with this key (it was dropped).
  void cancel(std::uint64_t key) {
    const auto it = pending_.find(key);
    if (it == pending_.end()) return;
    it->second.pop_back();
    if (it->second.empty()) pending_.erase(it);
    --outstanding_;
  }

  // Until fewer than `limit` requests are unanswered.
  asio::awaitable<wait_result> wait_below(std::uint64_t limit) {
    auto stall_deadline = clock::now() + ack_stall;
    while (outstanding_ >= limit) {
      if (control_.interrupted()) co_return wait_result::interrupted;
      if (clock::now() >= stall_deadline) co_return wait_result::stalled;
      const auto acked_before = acked_;
      wake_below_ = limit;
      co_await control_.wait_until(stall_deadline);
      wake_below_ = 0;
      if (acked_ != acked_before) stall_deadline = clock::now() + ack_stall;
    }
    co_return wait_result::ready;
  }

  void write_json(json_writer& w, clock::time_point first_send, std::uint64_t bytes) const {
    const double elapsed = acked_ > 0 ? seconds_between(first_send, last_ack_) : 0;
    w.begin_object();
    w.field("window", window_)
        .field("acked", acked_)
        .field("unmatched", unmatched_)
        .field("elapsed_s", elapsed)
        .field("msgs_per_s", per_second(static_cast<double>(acked_), elapsed))
        .field("mb_per_s", per_second(megabytes(bytes), elapsed));
    w.key("latency_us");
    write_latencies(w);
    w.end_object();
  }

 private:
  // Nearest-rank percentiles: the value at rank ceil(p * n). Sorts in place
  // (once, at the end of the run) rather than copying.
  void write_latencies(json_writer& w) const {
    auto& sorted = latencies_us_;
    std::ranges::sort(sorted);
    const auto n = sorted.size();
    auto rank = [&sorted, n](double p) {
      const auto i = static_cast<std::size_t>(std::max(1.0, std::ceil(p * static_cast<double>(n))));
      return sorted[std::min(i, n) - 1];
    };
    double sum = 0;
    for (const float v : sorted) sum += v;
    w.begin_object();
    w.field("count", static_cast<std::uint64_t>(n));
    if (n == 0) {
      for (const char* key : {"min", "mean", "p50", "p90", "p99", "p999", "max"}) w.field(key, 0);
    } else {
      w.field("min", sorted.front())
          .field("mean", sum / static_cast<double>(n))
          .field("p50", rank(0.50))
          .field("p90", rank(0.90))
          .field("p99", rank(0.99))
          .field("p999", rank(0.999))
          .field("max", sorted.back());
    }
    w.end_object();
  }

  rafthttp::message_type response_type_;
  rafthttp::member_id peer_;
  std::uint64_t window_;
  run_control& control_;
  std::unordered_map<std::uint64_t, std::vector<clock::time_point>> pending_;
  std::uint64_t outstanding_ = 0;
  std::uint64_t wake_below_ = 0;  // a waiter wants a wake once outstanding_ drops below this
  std::uint64_t acked_ = 0;
  std::uint64_t unmatched_ = 0;
  // In arrival order, until write_latencies sorts them. A float holds a
  // latency to 0.01 µs below 100 ms, far finer than the clock's jitter.
  mutable std::vector<float> latencies_us_;
  clock::time_point last_ack_{};
  std::function<bool()> measuring_;
  clock::time_point last_sample_{};
};

// -------------------------------------------------------------- send_loop ---

class send_loop {
 public:
  send_loop(peer_env& env, ack_tracker* acks)
      : env_(env), acks_(acks), generator_(env.cfg.content), digest_(env.cfg.digest), wire_digest_(env.cfg.digest) {}

  // --background-snapshot-to: the loop also ends (snapshot-ended) once this
  // says so, before its next message.
  void stop_when(std::function<bool()> ended) { background_ended_ = std::move(ended); }

  // Sends the run; sets stop_reason(): done, signal, ack-timeout or
  // snapshot-ended.
  asio::awaitable<void> run() {
    const auto& cfg = env_.cfg;
    auto executor = env_.transport.get_executor();
    start_ = clock::now();
    message m;
    for (std::uint64_t i = 0; i < cfg.count; ++i) {
      if (background_ended_ && background_ended_()) {
        stop_reason_ = "snapshot-ended";
        break;
      }
      const bool paced = co_await pace(i);
      if (!paced) break;
      generator_.build(i, m);
      const bool window_open = co_await wait_for_window();
      if (!window_open) break;
      if (background_ended_ && background_ended_()) {  // it ended while we waited for the window
        stop_reason_ = "snapshot-ended";
        break;
      }
      const auto outcome = co_await deliver(m);
      if (outcome == delivery::interrupted) break;
      // A burst ends when the window is full or every 256 messages: out now,
      // not when the writers next run, and before this loop's own work (the
      // digest of what was sent, the next message), which the answer's
      // latency would otherwise include.
      const bool yield_now = (i + 1) % messages_per_yield == 0;
      if (yield_now || (acks_ && acks_->window_full())) env_.transport.flush();
      if (outcome == delivery::queued) count_sent(m);
      if (yield_now) co_await asio::post(executor, asio::use_awaitable);
    }
    end_ = clock::now();
    co_await drain();
    if (acks_ && (stop_reason_ == "done" || stop_reason_ == "snapshot-ended")) {
      const auto all_answered = co_await acks_->wait_below(1);
      note_ack_wait(all_answered);
    }
  }

  [[nodiscard]] const std::string& stop_reason() const { return stop_reason_; }

  void write_json_fields(json_writer& w) const {
    w.field("sent", sent_)
        .field("dropped", dropped_)
        .field("drop_retries", drop_retries_)
        .field("bytes", bytes_)
        .field("payload_bytes", payload_bytes_);
    digest_.write_fields(w);
    w.field("wire_bytes", wire_bytes_)
        .field("wire_sha256", wire_digest_.ordered_hex())
        .field("wire_check64", "");  // --digest cheap takes no wire digest (doc/peer-cli.md 7.6)
  }

  [[nodiscard]] double elapsed_s() const { return seconds_between(start_, end_); }
  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }
  [[nodiscard]] clock::time_point start() const { return start_; }

 private:
  enum class delivery { queued, dropped, interrupted };

  // --rate: message i is due at start + i / rate. Also notices signals.
  asio::awaitable<bool> pace(std::uint64_t i) {
    bool running = !env_.control.interrupted();
    if (running && env_.cfg.rate > 0) {
      const auto offset = std::chrono::duration<double>(static_cast<double>(i) / env_.cfg.rate);
      const auto due = start_ + std::chrono::duration_cast<clock::duration>(offset);
      running = co_await env_.control.sleep_until(due);
    }
    if (!running) stop_reason_ = "signal";
    co_return running;
  }

  // Lets the event loop run until the writers and the pipeline have written
  // everything queued for --to (the bytes may still be on their way).
  asio::awaitable<void> drain() {
    const auto peer = env_.transport.find_peer(env_.cfg.to);
    const auto deadline = clock::now() + drain_timeout;
    auto executor = env_.transport.get_executor();
    co_await asio::post(executor, asio::use_awaitable);  // a remote's pipeline workers start
    while (peer && peer->queued_bytes() > 0 && clock::now() < deadline && !env_.control.interrupted()) {
      const auto next_look = clock::now() + drain_poll_interval;
      co_await env_.control.wait_until(next_look);
    }
  }

  asio::awaitable<bool> wait_for_window() {
    if (!acks_) co_return true;
    const auto result = co_await acks_->wait_below(acks_->window());
    co_return note_ack_wait(result);
  }

  bool note_ack_wait(ack_tracker::wait_result result) {
    if (result == ack_tracker::wait_result::interrupted) stop_reason_ = "signal";
    if (result == ack_tracker::wait_result::stalled) stop_reason_ = "ack-timeout";
    return result == ack_tracker::wait_result::ready;
  }

  // One message, with --on-drop's policy.
  asio::awaitable<delivery> deliver(const message& m) {
    const auto key = ack_key(m);
    for (auto backoff = clock::duration(retry_backoff_min);;) {
      if (acks_) acks_->begin(key, clock::now());
      if (try_send(m)) co_return delivery::queued;
      if (acks_) acks_->cancel(key);
      if (!env_.cfg.retry_on_drop) {
        ++dropped_;
        co_return delivery::dropped;
      }
      ++drop_retries_;
      const bool slept = co_await env_.control.sleep_for(backoff);
      if (!slept) {
        stop_reason_ = "signal";
        co_return delivery::interrupted;
      }
      backoff = std::min<clock::duration>(backoff * 2, retry_backoff_max);
    }
  }

  // transport.send() says whether it queued the message.
  bool try_send(const message& m) { return !env_.transport.send(m); }

  // The digests are over etcd 3.4's encoding, comparable across releases;
  // the wire ones over what the profile put on the wire (the same bytes for
  // 3.4 and 3.5), comparable with the Go peer of that release. SHA-256 or
  // check64 as --digest says, here after send() as the Go peer's send loop
  // does it after Send (doc/peer-cli.md 7.6). --digest cheap takes no wire
  // digest (that the release's encoding is Go's byte for byte is what the
  // wire_sha256 of a full run shows), so it only sizes the wire encoding.
  void count_sent(const message& m) {
    rafthttp::raftpb::encode_into(m, encoding_);
    const bool full = env_.cfg.digest == digest_mode::full;
    std::optional<sha256_sum> sum;
    if (full) sum = sha256::of(encoding_);
    digest_.add(encoding_, sum ? &*sum : nullptr);
    ++sent_;
    bytes_ += encoding_.size();
    for (const auto& e : m.entries) payload_bytes_ += e.data.size();
    const auto style = rafthttp::profile_of(env_.cfg.version).wire_style;
    if (style == rafthttp::raftpb::wire_style::etcd_3_4) {
      if (full) wire_digest_.add(encoding_, &*sum);
      wire_bytes_ += encoding_.size();
    } else if (full) {
      rafthttp::raftpb::encode_into(m, encoding_, style);
      wire_digest_.add(encoding_);
      wire_bytes_ += encoding_.size();
    } else {
      wire_bytes_ += rafthttp::raftpb::encoded_size(m, style);
    }
  }

  peer_env& env_;
  ack_tracker* acks_;
  std::function<bool()> background_ended_;
  message_generator generator_;
  std::vector<std::uint8_t> encoding_;
  message_digest digest_;
  message_digest wire_digest_;
  std::uint64_t wire_bytes_ = 0;
  std::string stop_reason_ = "done";
  clock::time_point start_{};
  clock::time_point end_{};
  std::uint64_t sent_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t drop_retries_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t payload_bytes_ = 0;
};

}  // namespace

asio::awaitable<std::string> run_send(peer_env& env) {
  const auto& cfg = env.cfg;
  std::optional<ack_tracker> acks;
  if (cfg.await_acks) {
    acks.emplace(cfg, env.control);
    env.raft.set_hook([&acks](const message& m, clock::time_point arrival) { acks->on_message(m, arrival); });
  }
  // --background-snapshot-to: its DB file is written and digested before
  // anything is measured; the loop starts once the transport took the first
  // DB bytes and ends with the transfer (or at --count, whichever is first).
  std::unique_ptr<background_snapshot> background;
  if (cfg.background_snapshot_to != 0) {
    background = std::make_unique<background_snapshot>(env);
    // After an error the transfer counts as ended, a failure: the loop sends nothing.
    if (auto error = background->prepare(); !error.empty())
      std::fprintf(stderr, "rafthttp-peer: warning: %s\n", error.c_str());
  }
  const readiness ready = co_await wait_ready(env);
  send_loop loop(env, acks ? &*acks : nullptr);
  if (background && !env.control.interrupted()) {
    background->start();
    co_await background->wait_first_byte();
    const background_snapshot* b = background.get();
    loop.stop_when([b] { return b->ended(); });
    if (acks) acks->measure_while([b] { return !b->ended(); });
  }
  co_await loop.run();
  std::optional<background_snapshot_report> background_report;
  if (background) {
    co_await background->wait_end();
    background_report = background->report();
    if (acks) {
      const auto first = background->first_byte();
      const auto end = background->ended_at();
      background_report->measured_s = acks->samples() > 0 ? seconds_between(loop.start(), acks->last_sample()) : 0;
      background_report->overlap = acks->samples() > 0 && first && loop.start() >= *first &&
                                   (!end || acks->last_sample() <= *end);
    }
  }
  co_await linger(env, loop.stop_reason());
  env.raft.freeze();
  env.raft.set_hook({});  // the tracker goes with this frame

  json_writer w;
  w.begin_object();
  write_identity(w, env.identity);
  w.field("to", rafthttp::format_id(cfg.to))
      .field("to_known", to_is_known(cfg))
      .field("type", rafthttp::raftpb::to_string(cfg.content.type))
      .field("count", cfg.count);
  loop.write_json_fields(w);
  const double elapsed = loop.elapsed_s();
  w.field("streams_ready", ready.streams_ready)
      .field("peers_active", ready.peers_active)
      .field("wait_s", ready.waited_s)
      .field("elapsed_s", elapsed)
      .field("msgs_per_s", per_second(static_cast<double>(loop.sent()), elapsed))
      .field("mb_per_s", per_second(megabytes(loop.bytes()), elapsed))
      .field("report_unreachable_total", env.raft.unreachable_total());
  w.key("acks");
  if (acks) acks->write_json(w, loop.start(), loop.bytes());
  else w.null();
  w.key("background_snapshot");
  if (background_report) write_background_snapshot(w, *background_report);
  else w.null();
  w.field("stop_reason", loop.stop_reason());
  w.key("received");
  env.raft.write_summary(w, env.identity, stop_reason_or(env, "done"), false);
  w.field("peak_rss_kb", peak_rss_kb());
  w.end_object();
  co_return w.text();
}

}  // namespace peer_cli
