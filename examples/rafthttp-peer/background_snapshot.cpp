#include "background_snapshot.hpp"

#include "stats.hpp"

#include <rafthttp/raftpb/codec.hpp>

#include <cstdio>

namespace peer_cli {

namespace {

// The file source as the transport sees it, noting when it first gave bytes
// and how many it gave. It offers the file as a file_db_source does, so that
// on a plain connection the transport sends it by sendfile as it would any
// user's file DB: then the transport takes the whole range at once, right
// before its first bytes go out, and that is when the bytes count as taken.
class watched_db_source final : public rafthttp::db_source {
 public:
  watched_db_source(const std::filesystem::path& path, std::shared_ptr<background_transfer_state> state,
                    run_control& control)
      : file_(path), state_(std::move(state)), control_(&control) {}

  asio::awaitable<read_result> read_some(std::span<std::uint8_t> into) override {
    const auto result = co_await file_.read_some(into);
    took(std::get<1>(result));
    co_return result;
  }

  [[nodiscard]] std::optional<rafthttp::file_range> as_file() override {
    auto range = file_.as_file();
    if (range) took(range->size);
    return range;
  }

 private:
  void took(std::uint64_t n) {
    if (n > 0 && !state_->first_byte) {
      state_->first_byte = std::chrono::steady_clock::now();
      if (!state_->outcome) control_->wake();  // the mode is still there to be woken
    }
    state_->bytes_read += n;
  }

  rafthttp::file_db_source file_;
  std::shared_ptr<background_transfer_state> state_;
  run_control* control_;
};

}  // namespace

background_snapshot::background_snapshot(peer_env& env) : env_(env) {
  char name[64];
  std::snprintf(name, sizeof name, "%016llx.background.db", static_cast<unsigned long long>(env.cfg.snap_index));
  file_ = env.snap_dir / name;
}

background_snapshot::~background_snapshot() {
  std::error_code ignored;
  std::filesystem::remove(file_, ignored);  // an open file_db_source keeps reading what it opened
}

std::string background_snapshot::prepare() {
  const auto& cfg = env_.cfg;
  const auto db = write_stream_file(file_, cfg.content.seed, db_stream_key, cfg.db_size, cfg.digest);
  if (!db) {  // nothing to send: the transfer failed before it began
    state_->outcome = std::make_error_code(std::errc::io_error);
    state_->ended = clock::now();
    return "--background-snapshot-to: cannot write the DB file " + file_.string();
  }
  db_ = *db;
  return {};
}

void background_snapshot::start() {
  if (ended()) return;  // prepare() failed
  const auto& cfg = env_.cfg;
  run_control* control = &env_.control;
  auto state = state_;
  state->started = clock::now();
  started_ = true;
  deadline_ = state->started + cfg.snap_timeout;
  rafthttp::snapshot_message transfer(snapshot_message(cfg, cfg.background_snapshot_to),
                                      std::make_unique<watched_db_source>(file_, state, *control), cfg.db_size,
                                      [state, control](std::error_code ec) {
                                        state->ended = std::chrono::steady_clock::now();
                                        state->outcome = ec;
                                        control->wake();
                                      });
  env_.transport.send_snapshot(std::move(transfer));
}

asio::awaitable<void> background_snapshot::wait_first_byte() {
  while (!state_->first_byte && !ended() && !env_.control.interrupted() && clock::now() < deadline_)
    co_await env_.control.wait_until(deadline_);
}

asio::awaitable<void> background_snapshot::wait_end() {
  while (!ended() && !env_.control.interrupted() && clock::now() < deadline_)
    co_await env_.control.wait_until(deadline_);
  if (ended()) status_ = state_->outcome->value() ? "failure" : "finish";
  else if (env_.control.interrupted()) status_ = "interrupted";
  else status_ = "timeout";
}

background_snapshot_report background_snapshot::report() const {
  const auto& cfg = env_.cfg;
  const auto msnap = snapshot_message(cfg, cfg.background_snapshot_to);
  background_snapshot_report r;
  r.to = cfg.background_snapshot_to;
  r.snap_index = cfg.snap_index;
  r.db_size = cfg.db_size;
  r.db_sha256 = db_.sha256;
  r.db_check64 = db_.check64;
  r.total_bytes = rafthttp::raftpb::encoded_size(msnap) + cfg.db_size;
  const auto style = rafthttp::profile_of(cfg.version).wire_style;
  r.wire_total_bytes = rafthttp::raftpb::encoded_size(msnap, style) + cfg.db_size;
  r.status = status_;
  r.db_bytes_read = state_->bytes_read;
  if (!started_) return r;
  if (state_->first_byte) r.first_byte_s = seconds_between(state_->started, *state_->first_byte);
  const auto end = ended() ? state_->ended : clock::now();
  r.elapsed_s = seconds_between(state_->started, end);
  r.mb_per_s = per_second(megabytes(r.total_bytes), r.elapsed_s);
  return r;
}

}  // namespace peer_cli
