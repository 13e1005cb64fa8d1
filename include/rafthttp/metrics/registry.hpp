// Prometheus metrics (doc/protocol.md 13): counters, gauges and fixed-bucket
// histograms per label value, rendered in the Prometheus text format 0.0.4
// exactly as Go's client_golang writes it. Nothing here is etcd's: etcd's
// families are declared on top of it (metrics/network.hpp), and users may
// register their own beside them.
//
// The hot path holds references to cells (counter&, gauge&, histogram&) that
// were resolved when the peer was added, and only adds to them: no lookup, no
// allocation, no formatting per message. Cells are plain integers, as
// everything of a transport lives on its executor's thread.
#pragma once

#include <rafthttp/detail/go_format.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
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

}  // namespace rafthttp
