// A strict parser of the Prometheus text exposition format 0.0.4, written for
// the tests: what it accepts is what a Prometheus server would, and more
// narrowly what Go's client_golang writes (HELP then TYPE before a family's
// samples, a family's samples together, no blank lines, a final newline).
// Histograms are checked whole: buckets ascending by `le`, cumulative counts
// not decreasing, a +Inf bucket equal to _count, a _sum, the same label set on
// every part. Any violation throws parse_error naming the line.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rafthttp::test::prometheus {

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using labels = std::map<std::string, std::string>;

struct sample {
  std::string name;  // with _bucket/_sum/_count for histograms
  labels label_set;
  double value = 0;
};

struct histogram_series {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count), +Inf last
  double sum = 0;
  double count = 0;
};

struct family {
  std::string name;
  std::string help;
  std::string type;
  std::vector<sample> samples;
  std::map<labels, histogram_series> histograms;  // by labels without le

  // The label sets of the family's series (without le).
  [[nodiscard]] std::set<labels> series() const {
    std::set<labels> out;
    if (type == "histogram") {
      for (const auto& [l, h] : histograms) out.insert(l);
    } else {
      for (const auto& s : samples) out.insert(s.label_set);
    }
    return out;
  }

  // The value of the counter or gauge series with these labels; NaN if none.
  [[nodiscard]] double value(const labels& l) const {
    for (const auto& s : samples)
      if (s.label_set == l) return s.value;
    return std::numeric_limits<double>::quiet_NaN();
  }
};

using exposition = std::map<std::string, family>;

namespace parsing {

[[noreturn]] inline void fail(std::size_t line, const std::string& what) {
  throw parse_error("line " + std::to_string(line) + ": " + what);
}

inline bool is_name_start(char c, bool colon_ok) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
}
inline bool is_name_char(char c, bool colon_ok) { return is_name_start(c, colon_ok) || (c >= '0' && c <= '9'); }

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, without ':' for label names.
inline std::string take_name(std::string_view& s, bool colon_ok, std::size_t line) {
  std::size_t n = 0;
  if (s.empty() || !is_name_start(s[0], colon_ok)) fail(line, "expected a name at '" + std::string(s) + "'");
  while (n < s.size() && is_name_char(s[n], colon_ok)) ++n;
  std::string name(s.substr(0, n));
  s.remove_prefix(n);
  return name;
}

inline void expect(std::string_view& s, char c, std::size_t line) {
  if (s.empty() || s[0] != c) fail(line, std::string("expected '") + c + "' at '" + std::string(s) + "'");
  s.remove_prefix(1);
}

// A quoted label value with the three escapes \\ \" \n and nothing else.
inline std::string take_label_value(std::string_view& s, std::size_t line) {
  expect(s, '"', line);
  std::string value;
  for (;;) {
    if (s.empty()) fail(line, "unterminated label value");
    const char c = s[0];
    s.remove_prefix(1);
    if (c == '"') return value;
    if (c == '\n') fail(line, "raw newline in a label value");
    if (c != '\\') {
      value += c;
      continue;
    }
    if (s.empty()) fail(line, "dangling escape");
    const char e = s[0];
    s.remove_prefix(1);
    if (e == '\\') value += '\\';
    else if (e == '"') value += '"';
    else if (e == 'n') value += '\n';
    else fail(line, std::string("invalid escape \\") + e);
  }
}

// A Go float: NaN, +Inf, -Inf or a decimal number.
inline double parse_value(std::string_view text, std::size_t line) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    fail(line, "not a number: '" + std::string(text) + "'");
  return v;
}

inline sample parse_sample(std::string_view s, std::size_t line) {
  sample out;
  out.name = take_name(s, true, line);
  if (!s.empty() && s[0] == '{') {
    s.remove_prefix(1);
    while (!s.empty() && s[0] != '}') {
      const auto name = take_name(s, false, line);
      if (name.starts_with("__")) fail(line, "reserved label name " + name);
      expect(s, '=', line);
      const auto value = take_label_value(s, line);
      if (!out.label_set.emplace(name, value).second) fail(line, "label " + name + " twice");
      if (!s.empty() && s[0] == ',') s.remove_prefix(1);
      else if (s.empty() || s[0] != '}') fail(line, "expected ',' or '}'");
    }
    expect(s, '}', line);
  }
  expect(s, ' ', line);
  const auto space = s.find(' ');
  out.value = parse_value(s.substr(0, space), line);
  if (space != std::string_view::npos) {  // a timestamp: an integer
    std::int64_t ts = 0;
    const auto rest = s.substr(space + 1);
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), ts);
    if (rest.empty() || ec != std::errc{} || end != rest.data() + rest.size()) fail(line, "bad timestamp");
  }
  return out;
}

// The family a sample name belongs to, given the type.
inline bool belongs(const family& f, const std::string& sample_name) {
  if (f.type != "histogram") return sample_name == f.name;
  return sample_name == f.name + "_bucket" || sample_name == f.name + "_sum" || sample_name == f.name + "_count";
}

inline void check_histogram(family& f, std::size_t line) {
  for (const auto& s : f.samples) {
    auto base = s.label_set;
    base.erase("le");
    auto& h = f.histograms[base];
    if (s.name == f.name + "_bucket") {
      const auto le = s.label_set.find("le");
      if (le == s.label_set.end()) fail(line, f.name + "_bucket without le");
      h.buckets.emplace_back(parse_value(le->second, line), s.value);
    } else if (s.name == f.name + "_sum") {
      if (s.label_set.contains("le")) fail(line, "le on a _sum");
      h.sum = s.value;
    } else {
      if (s.label_set.contains("le")) fail(line, "le on a _count");
      h.count = s.value;
    }
  }
  for (const auto& [l, h] : f.histograms) {
    const auto parts = [&](const std::string& suffix) {
      return std::count_if(f.samples.begin(), f.samples.end(),
                           [&](const sample& s) { return s.name == f.name + suffix && s.label_set == l; });
    };
    const auto n_sum = parts("_sum");
    const auto n_count = parts("_count");
    if (n_sum != 1 || n_count != 1) fail(line, f.name + ": a series without exactly one _sum and _count");
    if (h.buckets.empty() || !std::isinf(h.buckets.back().first)) fail(line, f.name + ": no +Inf bucket last");
    for (std::size_t i = 1; i < h.buckets.size(); ++i) {
      if (!(h.buckets[i - 1].first < h.buckets[i].first)) fail(line, f.name + ": le not ascending");
      if (h.buckets[i - 1].second > h.buckets[i].second) fail(line, f.name + ": cumulative counts decrease");
    }
    if (h.buckets.back().second != h.count) fail(line, f.name + ": +Inf bucket differs from _count");
  }
}

inline void finish_family(family* f, std::size_t line) {
  if (!f) return;
  if (f->samples.empty()) fail(line, f->name + " has no samples");
  if (f->type == "histogram") check_histogram(*f, line);
  for (const auto& s : f->samples) {
    if (f->type == "counter" && (!(s.value >= 0) || std::isinf(s.value))) fail(line, s.name + ": a counter below 0");
  }
}

}  // namespace parsing

// Parses the whole text; throws parse_error on anything out of line.
inline exposition parse(std::string_view text) {
  using namespace parsing;
  exposition out;
  if (!text.empty() && text.back() != '\n') fail(0, "no final newline");
  family* current = nullptr;
  std::set<std::pair<std::string, labels>> seen_series;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    if (line.empty()) fail(line_no, "blank line");
    if (line.starts_with("# HELP ")) {
      line.remove_prefix(7);
      finish_family(current, line_no);
      const auto name = take_name(line, true, line_no);
      if (out.contains(name)) fail(line_no, name + " described twice (or its samples are split)");
      expect(line, ' ', line_no);
      current = &out[name];
      current->name = name;
      current->help = std::string(line);
      const auto& help = current->help;  // only \\ and \n are escapes in HELP
      for (std::size_t i = 0; i < help.size(); ++i) {
        if (help[i] != '\\') continue;
        if (i + 1 == help.size() || (help[i + 1] != '\\' && help[i + 1] != 'n'))
          fail(line_no, "invalid escape in HELP");
        ++i;
      }
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      line.remove_prefix(7);
      const auto name = take_name(line, true, line_no);
      if (!current || current->name != name || !current->type.empty())
        fail(line_no, "TYPE of " + name + " without its HELP just before (client_golang writes HELP, TYPE)");
      expect(line, ' ', line_no);
      if (line != "counter" && line != "gauge" && line != "histogram" && line != "summary" && line != "untyped")
        fail(line_no, "unknown type " + std::string(line));
      current->type = std::string(line);
      continue;
    }
    if (line.starts_with("#")) fail(line_no, "comment lines other than HELP and TYPE are not written by Go");
    auto s = parse_sample(line, line_no);
    if (!current || current->type.empty() || !belongs(*current, s.name))
      fail(line_no, "sample " + s.name + " outside its family");
    if (!seen_series.emplace(s.name, s.label_set).second) fail(line_no, "duplicate series " + s.name);
    current->samples.push_back(std::move(s));
  }
  finish_family(current, line_no);
  // Every series of a family carries the same label names.
  for (const auto& [name, f] : out) {
    std::set<std::set<std::string>> label_name_sets;
    for (const auto& l : f.series()) {
      std::set<std::string> names;
      for (const auto& [k, v] : l) names.insert(k);
      label_name_sets.insert(names);
    }
    if (label_name_sets.size() > 1) fail(line_no, name + ": series with different label names");
  }
  return out;
}

}  // namespace rafthttp::test::prometheus
