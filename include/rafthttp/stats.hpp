// Observability (doc/protocol.md 13): etcd's Prometheus metrics and its v2
// statistics, so that dashboards and alerts built for etcd work unchanged.
//
//   metrics_registry   counters, gauges and fixed-bucket histograms per label
//                      value, rendered in the Prometheus text format 0.0.4
//                      exactly as Go's client_golang writes it
//   network_metrics    etcd's etcd_network_* families (rafthttp/metrics.go)
//   peer_series        one peer's series, resolved once when it is added
//   follower_stats, leader_stats, server_stats
//                      etcd's v2stats, with their JSON
//
// The hot path holds references to cells (counter&, gauge&, histogram&) that
// were resolved when the peer was added, and only adds to them: no lookup, no
// allocation, no formatting per message. Cells are plain integers, as
// everything of a transport lives on its executor's thread.
#pragma once

#include <rafthttp/detail/rfc3339.hpp>
#include <rafthttp/id.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rafthttp {

// What a /metrics handler answers with (the text format, version 0.0.4).
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

namespace detail {

// A finite, non-zero double as its shortest round-trip decimal digits and the
// position of the decimal point: value = 0.d1d2d3... × 10^point.
struct decimal_digits {
  bool negative = false;
  std::string digits;
  int point = 0;
};

[[nodiscard]] inline decimal_digits shortest_digits(double v) {
  char text[40];
  const auto end = std::to_chars(text, text + sizeof text, v, std::chars_format::scientific).ptr;
  const std::string_view s(text, static_cast<std::size_t>(end - text));
  decimal_digits out;
  std::size_t at = 0;
  if (s[at] == '-') {
    out.negative = true;
    ++at;
  }
  const std::size_t e = s.find('e');
  for (; at < e; ++at)
    if (s[at] != '.') out.digits += s[at];
  int exponent = 0;
  const char* exp_begin = s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0);
  std::from_chars(exp_begin, s.data() + s.size(), exponent);
  out.point = exponent + 1;
  return out;
}

// Go's fmtE: d.ddde±XX (at least two exponent digits).
inline void append_exponent_form(std::string& out, const decimal_digits& d) {
  if (d.negative) out += '-';
  out += d.digits[0];
  if (d.digits.size() > 1) {
    out += '.';
    out.append(d.digits, 1);
  }
  const int exponent = d.point - 1;
  out += exponent < 0 ? "e-" : "e+";
  const int magnitude = std::abs(exponent);
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
}

// Go's fmtF with the shortest digits: no exponent, zeros padded as needed.
inline void append_fixed_form(std::string& out, const decimal_digits& d) {
  if (d.negative) out += '-';
  const int n = static_cast<int>(d.digits.size());
  if (d.point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-d.point), '0');
    out += d.digits;
    return;
  }
  if (d.point >= n) {
    out += d.digits;
    out.append(static_cast<std::size_t>(d.point - n), '0');
    return;
  }
  out.append(d.digits, 0, static_cast<std::size_t>(d.point));
  out += '.';
  out.append(d.digits, static_cast<std::size_t>(d.point));
}

// How client_golang's text writer prints a sample value or an `le` bound:
// NaN and ±Inf by name, otherwise strconv.FormatFloat(v, 'g', -1, 64): the
// shortest digits, in exponent form when the decimal exponent is below -4 or
// at least 6 (Go decides with precision 6 when the precision is shortest),
// so 123456 but 1.234567e+06, 0.0001 but 1e-05.
inline void append_prometheus_float(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == 0) {
    out += '0';
  } else {
    const auto d = shortest_digits(v);
    const int exponent = d.point - 1;
    if (exponent < -4 || exponent >= 6) append_exponent_form(out, d);
    else append_fixed_form(out, d);
  }
}

// How Go's encoding/json writes a float64: fixed form, exponent form below
// 1e-6 and from 1e21 on (with "e-07" shortened to "e-7").
inline void append_json_float(std::string& out, double v) {
  if (!std::isfinite(v) || v == 0) {  // Go refuses NaN/Inf; 0 is what we can say
    out += '0';
    return;
  }
  const auto d = shortest_digits(v);
  const double magnitude = std::abs(v);
  if (magnitude >= 1e-6 && magnitude < 1e21) {
    append_fixed_form(out, d);
    return;
  }
  std::string e;
  append_exponent_form(e, d);
  const std::size_t n = e.size();
  if (n >= 4 && e[n - 4] == 'e' && e[n - 3] == '-' && e[n - 2] == '0') e.erase(n - 2, 1);
  out += e;
}

// Go's time.Duration.String(): "0s", "1.5µs", "999.999999ms", "1m2.005s", "3h2m1s".
[[nodiscard]] inline std::string go_duration_string(std::chrono::nanoseconds d) {
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  std::uint64_t u = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  // value / 10^decimals, trailing zeros (and a bare point) dropped.
  auto fraction = [](std::uint64_t value, std::size_t decimals) {
    std::string whole = std::to_string(value);
    if (whole.size() <= decimals) whole.insert(0, decimals + 1 - whole.size(), '0');
    std::string text = whole.substr(0, whole.size() - decimals) + "." + whole.substr(whole.size() - decimals);
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    return text;
  };
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) return sign + fraction(u, 3) + "µs";
  if (u < 1'000'000'000) return sign + fraction(u, 6) + "ms";
  const std::uint64_t hours = u / 3'600'000'000'000;
  const std::uint64_t minutes = u / 60'000'000'000 % 60;
  std::string text = sign;
  if (hours > 0) text += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) text += std::to_string(minutes) + "m";
  return text + fraction(u % 60'000'000'000, 9) + "s";
}

inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace detail

// ---------------------------------------------------------------- cells ---
//
// A cell is one series' value. `touched` is Go's "the series exists": it
// appears in the exposition from the first update on (even one that adds 0),
// as it does once Go's code has called WithLabelValues, so both expose the
// same series for the same traffic although ours are resolved in advance.

class counter {
 public:
  void add(std::uint64_t n) {
    value_ += n;
    touched_ = true;
  }
  void inc() { add(1); }
  [[nodiscard]] std::uint64_t value() const { return value_; }
  [[nodiscard]] bool touched() const { return touched_; }

 private:
  std::uint64_t value_ = 0;
  bool touched_ = false;
};

class gauge {
 public:
  void add(std::int64_t n) {
    value_ += n;
    touched_ = true;
  }
  void inc() { add(1); }
  void dec() { add(-1); }
  [[nodiscard]] std::int64_t value() const { return value_; }
  [[nodiscard]] bool touched() const { return touched_; }

 private:
  std::int64_t value_ = 0;
  bool touched_ = false;
};

class histogram {
 public:
  // `upper_bounds` (ascending) belong to the family and outlive the cell.
  explicit histogram(std::span<const double> upper_bounds)
      : bounds_(upper_bounds), counts_(upper_bounds.size() + 1) {}

  // Into the first bucket whose bound is >= v (Go: sort.SearchFloat64s); the
  // last slot is +Inf.
  void observe(double v) {
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
    ++counts_[static_cast<std::size_t>(bucket)];
    sum_ += v;
    ++count_;
    touched_ = true;
  }

  [[nodiscard]] std::span<const double> upper_bounds() const { return bounds_; }
  // Observations <= upper_bounds()[i] (i == size(): all of them).
  [[nodiscard]] std::uint64_t cumulative_count(std::size_t i) const {
    std::uint64_t n = 0;
    for (std::size_t b = 0; b <= i && b < counts_.size(); ++b) n += counts_[b];
    return n;
  }
  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] double sum() const { return sum_; }
  [[nodiscard]] bool touched() const { return touched_; }

 private:
  std::span<const double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative
  double sum_ = 0;
  std::uint64_t count_ = 0;
  bool touched_ = false;
};

// Holds a gauge one higher while it lives (etcd's in-flight gauges: Inc, and
// a deferred Dec).
class gauge_hold {
 public:
  explicit gauge_hold(gauge& g) : gauge_(g) { gauge_.inc(); }
  gauge_hold(const gauge_hold&) = delete;
  ~gauge_hold() { gauge_.dec(); }

 private:
  gauge& gauge_;
};

// Go's prometheus.ExponentialBuckets: start, start·factor, ... (count bounds),
// computed by repeated multiplication as Go does, so the bounds print alike.
[[nodiscard]] inline std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
  std::vector<double> bounds;
  for (std::size_t i = 0; i < count; ++i, start *= factor) bounds.push_back(start);
  return bounds;
}

// ------------------------------------------------------------- families ---

enum class metric_type { counter, gauge, histogram };

[[nodiscard]] inline std::string_view to_string(metric_type t) {
  switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

// A metric family: a name, a help text, a type and label names, and one
// series per combination of label values.
class metric_family {
 public:
  metric_family(std::string name, std::string help, metric_type type, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {
    // Go sorts label pairs by name in its output and series by the values in
    // that order; declaring them sorted lets ours follow without reordering.
    if (!std::is_sorted(label_names_.begin(), label_names_.end()))
      throw std::invalid_argument("label names of " + name_ + " must be sorted");
  }
  metric_family(const metric_family&) = delete;
  virtual ~metric_family() = default;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& help() const { return help_; }
  [[nodiscard]] metric_type type() const { return type_; }
  [[nodiscard]] const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends "# HELP", "# TYPE" and the samples of every touched series;
  // nothing while no series is touched (Go omits empty families).
  virtual void render(std::string& out) const = 0;

 protected:
  using label_values = std::vector<std::string>;

  [[nodiscard]] label_values key(std::initializer_list<std::string_view> values) const {
    if (values.size() != label_names_.size())
      throw std::invalid_argument(name_ + " takes " + std::to_string(label_names_.size()) + " label values");
    return label_values(values.begin(), values.end());
  }

  void render_header(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    for (const char c : help_) {
      if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += to_string(type_);
    out += '\n';
  }

  // name{a="x",b="y"[,le="bound"]} value
  void render_sample(std::string& out, std::string_view suffix, const label_values& values, double value,
                     const double* le = nullptr) const {
    out += name_;
    out += suffix;
    if (!values.empty() || le) {
      char separator = '{';
      for (std::size_t i = 0; i < values.size(); ++i) {
        out += separator;
        separator = ',';
        out += label_names_[i];
        out += "=\"";
        append_label_value(out, values[i]);
        out += '"';
      }
      if (le) {
        out += separator;
        out += "le=\"";
        detail::append_prometheus_float(out, *le);
        out += '"';
      }
      out += '}';
    }
    out += ' ';
    detail::append_prometheus_float(out, value);
    out += '\n';
  }

 private:
  static void append_label_value(std::string& out, std::string_view v) {
    for (const char c : v) {
      if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '"') out += "\\\"";
      else out += c;
    }
  }

  std::string name_;
  std::string help_;
  metric_type type_;
  std::vector<std::string> label_names_;
};

template <class Cell>
[[nodiscard]] constexpr metric_type metric_type_of() {
  if constexpr (std::is_same_v<Cell, counter>) return metric_type::counter;
  else if constexpr (std::is_same_v<Cell, gauge>) return metric_type::gauge;
  else return metric_type::histogram;
}

// The label value under which series beyond a family's bound of untrusted
// label values add up (basic_family::with_untrusted). Beyond etcd.
inline constexpr std::string_view overflow_label_value = "overflow";

template <class Cell>
class basic_family final : public metric_family {
 public:
  basic_family(std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> upper_bounds = {})
      : metric_family(std::move(name), std::move(help), metric_type_of<Cell>(), std::move(label_names)),
        bounds_(std::move(upper_bounds)) {}

  // The series with these label values (in label-name order), created on
  // first use. The reference stays valid as long as the family: resolve it
  // once, keep it, add to it.
  [[nodiscard]] Cell& with(std::initializer_list<std::string_view> values) { return with_key(key(values)); }

  // For label values that come from unauthenticated input (a sender's claimed
  // id, a client's address), which could otherwise make series without end:
  // at most `limit` such series; beyond, they add to the one series whose
  // every label value is overflow_label_value.
  [[nodiscard]] Cell& with_untrusted(std::initializer_list<std::string_view> values, std::size_t limit) {
    if (const auto it = series_.find(key(values)); it != series_.end()) return it->second;
    if (untrusted_ >= limit) {
      const std::vector<std::string_view> overflow(values.size(), overflow_label_value);
      return with_key(label_values(overflow.begin(), overflow.end()));
    }
    ++untrusted_;
    return with(values);
  }

  // The series if it exists (touched or not), else null.
  [[nodiscard]] const Cell* find(std::initializer_list<std::string_view> values) const {
    const auto it = series_.find(key(values));
    return it == series_.end() ? nullptr : &it->second;
  }

  [[nodiscard]] std::span<const double> upper_bounds() const { return bounds_; }

  void render(std::string& out) const override {
    bool header = false;
    for (const auto& [values, cell] : series_) {  // map order: Go's order of series
      if (!cell.touched()) continue;
      if (!std::exchange(header, true)) render_header(out);
      render_series(out, values, cell);
    }
  }

 private:
  void render_series(std::string& out, const label_values& values, const counter& c) const {
    render_sample(out, "", values, static_cast<double>(c.value()));
  }
  void render_series(std::string& out, const label_values& values, const gauge& g) const {
    render_sample(out, "", values, static_cast<double>(g.value()));
  }
  void render_series(std::string& out, const label_values& values, const histogram& h) const {
    for (std::size_t i = 0; i < bounds_.size(); ++i)
      render_sample(out, "_bucket", values, static_cast<double>(h.cumulative_count(i)), &bounds_[i]);
    const double inf = std::numeric_limits<double>::infinity();
    render_sample(out, "_bucket", values, static_cast<double>(h.count()), &inf);
    render_sample(out, "_sum", values, h.sum());
    render_sample(out, "_count", values, static_cast<double>(h.count()));
  }

  Cell& with_key(label_values k) {
    if (const auto it = series_.find(k); it != series_.end()) return it->second;
    if constexpr (std::is_same_v<Cell, histogram>) {
      return series_.try_emplace(std::move(k), std::span<const double>(bounds_)).first->second;
    } else {
      return series_.try_emplace(std::move(k)).first->second;
    }
  }

  std::vector<double> bounds_;  // histograms only
  std::map<label_values, Cell> series_;
  std::size_t untrusted_ = 0;  // series with_untrusted made
};

using counter_family = basic_family<counter>;
using gauge_family = basic_family<gauge>;
using histogram_family = basic_family<histogram>;

// Families by name. Users may register their own beside the transport's and
// serve them all from one /metrics.
class metrics_registry {
 public:
  metrics_registry() = default;
  metrics_registry(const metrics_registry&) = delete;

  counter_family& add_counter(std::string name, std::string help, std::vector<std::string> label_names) {
    return add(std::make_unique<counter_family>(std::move(name), std::move(help), std::move(label_names)));
  }
  gauge_family& add_gauge(std::string name, std::string help, std::vector<std::string> label_names) {
    return add(std::make_unique<gauge_family>(std::move(name), std::move(help), std::move(label_names)));
  }
  histogram_family& add_histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                  std::vector<double> upper_bounds) {
    if (!std::is_sorted(upper_bounds.begin(), upper_bounds.end()))
      throw std::invalid_argument("bucket bounds of " + name + " must ascend");
    return add(std::make_unique<histogram_family>(std::move(name), std::move(help), std::move(label_names),
                                                  std::move(upper_bounds)));
  }

  // The Prometheus text exposition (format 0.0.4), families sorted by name
  // as Go's registry gathers them.
  void render(std::string& out) const {
    for (const auto& f : families_) f->render(out);
  }
  [[nodiscard]] std::string render() const {
    std::string out;
    render(out);
    return out;
  }

  [[nodiscard]] const metric_family* find(std::string_view name) const {
    const auto it = lower_bound(name);
    return it != families_.end() && (*it)->name() == name ? it->get() : nullptr;
  }

 private:
  using family_list = std::vector<std::unique_ptr<metric_family>>;

  [[nodiscard]] family_list::const_iterator lower_bound(std::string_view name) const {
    return std::lower_bound(families_.begin(), families_.end(), name,
                            [](const auto& f, std::string_view n) { return f->name() < n; });
  }

  template <class Family>
  Family& add(std::unique_ptr<Family> family) {
    const auto at = lower_bound(family->name());
    if (at != families_.end() && (*at)->name() == family->name())
      throw std::invalid_argument("metric family " + family->name() + " is registered already");
    Family& added = *family;
    families_.insert(at, std::move(family));
    return added;
  }

  family_list families_;  // sorted by name
};

// ------------------------------------------------- etcd's network metrics ---

// The label value of snapshot receive failures whose sender is not known yet
// (405 and 412 answers).
inline constexpr std::string_view unknown_snapshot_sender = "UNKNOWN_SNAPSHOT_SENDER";

// etcd's rafthttp metrics (doc/protocol.md 13.1; etcdserver/api/rafthttp/metrics.go):
// namespace "etcd", subsystem "network", names, help texts, labels and
// buckets as Go registers them.
class network_metrics {
 public:
  network_metrics()
      : active_peers(registry.add_gauge("etcd_network_active_peers",
                                        "The current number of active peer connections.", {"Local", "Remote"})),
        disconnected_peers(registry.add_counter("etcd_network_disconnected_peers_total",
                                                "The total number of disconnected peers.", {"Local", "Remote"})),
        sent_bytes(registry.add_counter("etcd_network_peer_sent_bytes_total",
                                        "The total number of bytes sent to peers.", {"To"})),
        received_bytes(registry.add_counter("etcd_network_peer_received_bytes_total",
                                            "The total number of bytes received from peers.", {"From"})),
        sent_failures(registry.add_counter("etcd_network_peer_sent_failures_total",
                                           "The total number of send failures from peers.", {"To"})),
        received_failures(registry.add_counter("etcd_network_peer_received_failures_total",
                                               "The total number of receive failures from peers.", {"From"})),
        snapshot_send_success(registry.add_counter("etcd_network_snapshot_send_success",
                                                   "Total number of successful snapshot sends", {"To"})),
        snapshot_send_inflights(registry.add_gauge("etcd_network_snapshot_send_inflights_total",
                                                   "Total number of inflight snapshot sends", {"To"})),
        snapshot_send_failures(registry.add_counter("etcd_network_snapshot_send_failures",
                                                    "Total number of snapshot send failures", {"To"})),
        // 0.1 s .. 51.2 s
        snapshot_send_seconds(registry.add_histogram("etcd_network_snapshot_send_total_duration_seconds",
                                                     "Total latency distributions of v3 snapshot sends", {"To"},
                                                     exponential_buckets(0.1, 2, 10))),
        snapshot_receive_success(registry.add_counter("etcd_network_snapshot_receive_success",
                                                      "Total number of successful snapshot receives", {"From"})),
        snapshot_receive_inflights(registry.add_gauge("etcd_network_snapshot_receive_inflights_total",
                                                      "Total number of inflight snapshot receives", {"From"})),
        snapshot_receive_failures(registry.add_counter("etcd_network_snapshot_receive_failures",
                                                       "Total number of snapshot receive failures", {"From"})),
        snapshot_receive_seconds(registry.add_histogram("etcd_network_snapshot_receive_total_duration_seconds",
                                                        "Total latency distributions of v3 snapshot receives",
                                                        {"From"}, exponential_buckets(0.1, 2, 10))),
        // 0.1 ms .. 3.2768 s
        round_trip_time(registry.add_histogram("etcd_network_peer_round_trip_time_seconds",
                                               "Round-Trip-Time histogram between peers", {"To"},
                                               exponential_buckets(0.0001, 2, 16))) {}
  network_metrics(const network_metrics&) = delete;

  [[nodiscard]] std::string render() const { return registry.render(); }

  metrics_registry registry;  // first: the families below live in it
  gauge_family& active_peers;
  counter_family& disconnected_peers;
  counter_family& sent_bytes;
  counter_family& received_bytes;
  counter_family& sent_failures;
  counter_family& received_failures;
  counter_family& snapshot_send_success;
  gauge_family& snapshot_send_inflights;
  counter_family& snapshot_send_failures;
  histogram_family& snapshot_send_seconds;
  counter_family& snapshot_receive_success;
  gauge_family& snapshot_receive_inflights;
  counter_family& snapshot_receive_failures;
  histogram_family& snapshot_receive_seconds;
  histogram_family& round_trip_time;
};

// The series of one peer (or remote), resolved when it is added: what the
// stream writers and readers, the pipeline, the snapshot sender and the
// prober add to.
struct peer_series {
  peer_series(network_metrics& m, std::string_view id)
      : sent_bytes(m.sent_bytes.with({id})),
        sent_failures(m.sent_failures.with({id})),
        received_bytes(m.received_bytes.with({id})),
        received_failures(m.received_failures.with({id})),
        link_heartbeat_received_bytes(m.received_bytes.with({"0"})),
        round_trip_time(m.round_trip_time.with({id})),
        snapshot_send_success(m.snapshot_send_success.with({id})),
        snapshot_send_failures(m.snapshot_send_failures.with({id})),
        snapshot_send_inflights(m.snapshot_send_inflights.with({id})),
        snapshot_send_seconds(m.snapshot_send_seconds.with({id})) {}

  counter& sent_bytes;                     // {To=id}
  counter& sent_failures;                  // {To=id}
  counter& received_bytes;                 // {From=id}
  counter& received_failures;              // {From=id}
  counter& link_heartbeat_received_bytes;  // {From="0"}: link heartbeats name no sender
  histogram& round_trip_time;              // {To=id}
  counter& snapshot_send_success;
  counter& snapshot_send_failures;
  gauge& snapshot_send_inflights;
  histogram& snapshot_send_seconds;
};

// ------------------------------------------------------------ v2 stats ---

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
