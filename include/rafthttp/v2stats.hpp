// etcd's v2 statistics (doc/protocol.md 13.3; etcd's v2stats package):
// FollowerStats, LeaderStats and ServerStats, with their JSON as Go writes it.
#pragma once

#include <rafthttp/detail/go_format.hpp>
#include <rafthttp/detail/rfc3339.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace rafthttp {

// etcd's v2stats.FollowerStats: the leader's view of one follower, fed by
// rafthttp (doc/protocol.md 13.3). Latencies in milliseconds.
class follower_stats {
 public:
  struct latency_stats {
    double current = 0;
    double average = 0;
    double average_square = 0;  // not in the JSON
    double standard_deviation = 0;
    double minimum = 9223372036854775808.0;  // 1 << 63, as Go initialises it
    double maximum = 0;
  };
  struct counts_stats {
    std::uint64_t fail = 0;
    std::uint64_t success = 0;
  };

  // Go's Succ(d), `times` times over (a batch of records written together).
  void succeed(std::chrono::nanoseconds d, std::uint64_t times = 1) {
    if (times == 0) return;
    auto& l = latency_;
    const double total = static_cast<double>(counts_.success) * l.average;
    const double total_square = static_cast<double>(counts_.success) * l.average_square;
    counts_.success += times;
    l.current = static_cast<double>(d.count()) / 1e6;
    l.maximum = std::max(l.maximum, l.current);
    l.minimum = std::min(l.minimum, l.current);
    const double n = static_cast<double>(counts_.success);
    l.average = (total + static_cast<double>(times) * l.current) / n;
    l.average_square = (total_square + static_cast<double>(times) * l.current * l.current) / n;
    // sdv = sqrt(avg(x^2) - avg(x)^2)
    l.standard_deviation = std::sqrt(std::max(0.0, l.average_square - l.average * l.average));
  }

  void fail() { ++counts_.fail; }

  [[nodiscard]] const latency_stats& latency() const { return latency_; }
  [[nodiscard]] const counts_stats& counts() const { return counts_; }

  // {"latency":{"current":..,"average":..,"standardDeviation":..,"minimum":..,"maximum":..},
  //  "counts":{"fail":..,"success":..}}
  void append_json(std::string& out) const {
    out += "{\"latency\":{\"current\":";
    detail::append_json_float(out, latency_.current);
    out += ",\"average\":";
    detail::append_json_float(out, latency_.average);
    out += ",\"standardDeviation\":";
    detail::append_json_float(out, latency_.standard_deviation);
    out += ",\"minimum\":";
    detail::append_json_float(out, latency_.minimum);
    out += ",\"maximum\":";
    detail::append_json_float(out, latency_.maximum);
    out += "},\"counts\":{\"fail\":" + std::to_string(counts_.fail) +
           ",\"success\":" + std::to_string(counts_.success) + "}}";
  }
  [[nodiscard]] std::string to_json() const {
    std::string out;
    append_json(out);
    return out;
  }

 private:
  latency_stats latency_;
  counts_stats counts_;
};

// etcd's v2stats.LeaderStats: {"leader": local id, "followers": {id: ...}},
// one follower per peer (added by add_peer, gone with remove_peer).
struct leader_stats {
  std::string leader;
  std::map<std::string, follower_stats> followers;  // by id, sorted as Go's JSON sorts keys

  [[nodiscard]] std::string to_json() const {
    std::string out = "{\"leader\":";
    detail::append_json_string(out, leader);
    out += ",\"followers\":{";
    bool first = true;
    for (const auto& [id, f] : followers) {
      if (!std::exchange(first, false)) out += ',';
      detail::append_json_string(out, id);
      out += ':';
      f.append_json(out);
    }
    out += "}}";
    return out;
  }
};

// etcd's v2stats.ServerStats. rafthttp calls send_append_request for every
// MsgApp to a peer; recv_append_request is the server's to call (etcd's
// Process does). Rates are over the last <= 200 requests, and 0 once the
// newest is more than a second old.
class server_stats {
 public:
  using system_time = std::chrono::system_clock::time_point;

  server_stats(std::string name, std::string id)
      : name_(std::move(name)), id_(std::move(id)), start_(std::chrono::system_clock::now()),
        leader_start_(start_) {}

  // Go's SendAppendReq: also makes this member the leader.
  void send_append_request(std::size_t bytes) {
    send_append_request_unstamped(bytes);
    stamp_send_requests();
  }

  // The same in two steps, for the send path, where a clock read per message
  // would cost more than all the rest: count the request now, and give it its
  // time later, with the rest of its burst (stamp_send_requests).
  void send_append_request_unstamped(std::size_t bytes) {
    become_leader();
    send_rates_.insert_unstamped(bytes);
    ++send_append_requests_;
  }
  void stamp_send_requests(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    send_rates_.stamp(now);
  }

  // Go's RecvAppendReq: a follower of `leader`.
  void recv_append_request(std::string_view leader, std::size_t bytes) {
    leader_ = false;
    if (leader != leader_name_) {
      leader_name_ = std::string(leader);
      leader_start_ = std::chrono::system_clock::now();
    }
    recv_rates_.insert(bytes);
    ++recv_append_requests_;
  }

  void become_leader() {
    if (leader_) return;
    leader_ = true;
    leader_name_ = id_;
    leader_start_ = std::chrono::system_clock::now();
  }

  [[nodiscard]] std::uint64_t send_append_requests() const { return send_append_requests_; }
  [[nodiscard]] std::uint64_t recv_append_requests() const { return recv_append_requests_; }
  [[nodiscard]] bool leader() const { return leader_; }

  // Go's JSON(): state is raft's StateType name; empty rates are omitted.
  [[nodiscard]] std::string to_json() const {
    const auto send = send_rates_.rates();
    const auto recv = recv_rates_.rates();
    std::string out = "{\"name\":";
    detail::append_json_string(out, name_);
    out += ",\"id\":";
    detail::append_json_string(out, id_);
    out += leader_ ? ",\"state\":\"StateLeader\"" : ",\"state\":\"StateFollower\"";
    out += ",\"startTime\":\"" + detail::format_rfc3339_nano(start_) + "\"";
    out += ",\"leaderInfo\":{\"leader\":";
    detail::append_json_string(out, leader_name_);
    out += ",\"uptime\":\"" + detail::go_duration_string(std::chrono::system_clock::now() - leader_start_) + "\"";
    out += ",\"startTime\":\"" + detail::format_rfc3339_nano(leader_start_) + "\"}";
    out += ",\"recvAppendRequestCnt\":" + std::to_string(recv_append_requests_);
    append_rate(out, "recvPkgRate", recv.packets);
    append_rate(out, "recvBandwidthRate", recv.bytes);
    out += ",\"sendAppendRequestCnt\":" + std::to_string(send_append_requests_);
    append_rate(out, "sendPkgRate", send.packets);
    append_rate(out, "sendBandwidthRate", send.bytes);
    out += '}';
    return out;
  }

 private:
  using steady = std::chrono::steady_clock;

  struct rate {
    double packets = 0;  // per second
    double bytes = 0;    // per second
  };

  // Go's statsQueue: the last 200 requests (time, size) in a ring.
  class rate_queue {
   public:
    static constexpr std::size_t capacity = 200;  // queueCapacity

    // Go's Insert: a request now.
    void insert(std::size_t bytes) {
      insert_unstamped(bytes);
      stamp(steady::now());
    }

    // A request whose time the next stamp() gives.
    void insert_unstamped(std::size_t bytes) {
      back_ = (back_ + 1) % capacity;
      if (size_ == capacity) {
        total_bytes_ -= samples_[back_].bytes;  // the oldest is overwritten
        front_ = (back_ + 1) % capacity;
      } else {
        ++size_;
      }
      samples_[back_] = {steady::time_point{}, bytes};
      total_bytes_ += bytes;
      unstamped_ = std::min(unstamped_ + 1, size_);
    }

    // The requests inserted since the last stamp happened `now`. Go clears a
    // queue whose newest sample is over a second old when its rate is read;
    // dropping such samples when new ones come gives the same rates whether
    // or not anyone read them meanwhile.
    void stamp(steady::time_point now) {
      const std::size_t stamped = size_ - unstamped_;
      const std::size_t newest_stamped = (back_ + capacity - unstamped_) % capacity;
      if (stamped > 0 && now - samples_[newest_stamped].at > std::chrono::seconds(1)) drop_oldest(stamped);
      for (std::size_t i = 0; i < unstamped_; ++i) samples_[(back_ + capacity - i) % capacity].at = now;
      unstamped_ = 0;
    }

    // Go's Rate(): requests and bytes per second over the samples, 0 once the
    // newest is over a second old. Requests not stamped yet count as now.
    [[nodiscard]] rate rates() const {
      if (size_ == 0) return {};
      const auto now = steady::now();
      const auto back_at = unstamped_ > 0 ? now : samples_[back_].at;
      const auto front_at = unstamped_ == size_ ? now : samples_[front_].at;
      if (now - back_at > std::chrono::seconds(1)) return {};
      const double seconds = std::chrono::duration<double>(back_at - front_at).count();
      if (seconds <= 0) return {};
      return {static_cast<double>(size_) / seconds, static_cast<double>(total_bytes_) / seconds};
    }

   private:
    void drop_oldest(std::size_t n) {
      for (; n > 0; --n, --size_) {
        total_bytes_ -= samples_[front_].bytes;
        front_ = (front_ + 1) % capacity;
      }
    }

    struct sample {
      steady::time_point at;
      std::size_t bytes = 0;
    };
    std::array<sample, capacity> samples_{};
    std::size_t front_ = 0;
    std::size_t back_ = capacity - 1;  // the next insert goes to 0
    std::size_t size_ = 0;
    std::size_t total_bytes_ = 0;
    std::size_t unstamped_ = 0;  // the newest samples, waiting for their time
  };

  static void append_rate(std::string& out, std::string_view key, double value) {
    if (value == 0) return;  // omitempty
    out += ",\"";
    out += key;
    out += "\":";
    detail::append_json_float(out, value);
  }

  std::string name_;
  std::string id_;
  system_time start_;
  bool leader_ = false;
  std::string leader_name_;
  system_time leader_start_;
  std::uint64_t recv_append_requests_ = 0;
  std::uint64_t send_append_requests_ = 0;
  rate_queue send_rates_;
  rate_queue recv_rates_;
};

}  // namespace rafthttp
