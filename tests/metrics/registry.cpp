#include <rafthttp/metrics/registry.hpp>

#include "support/prometheus_text.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace rafthttp;
namespace prom = rafthttp::test::prometheus;

TEST_CASE("a histogram puts a value in the first bucket whose bound is not below it") {
  const std::vector<double> bounds{1, 2, 4};
  histogram h(bounds);
  for (double v : {0.5, 1.0, 1.5, 4.0, 9.0}) h.observe(v);
  CHECK(h.cumulative_count(0) == 2);  // 0.5 and 1 (le is inclusive)
  CHECK(h.cumulative_count(1) == 3);
  CHECK(h.cumulative_count(2) == 4);
  CHECK(h.cumulative_count(3) == 5);  // +Inf
  CHECK(h.count() == 5);
  CHECK(h.sum() == doctest::Approx(16.0));
}

TEST_CASE("families are sorted by name and series by label values, as Go gathers them") {
  metrics_registry r;
  auto& b = r.add_counter("b_total", "b", {"To"});
  auto& a = r.add_gauge("a", "a", {"Local", "Remote"});
  b.with({"a"}).inc();
  b.with({"10"}).inc();
  b.with({"9"}).inc();
  a.with({"1", "2"}).inc();
  CHECK(r.render() ==
        "# HELP a a\n# TYPE a gauge\na{Local=\"1\",Remote=\"2\"} 1\n"
        "# HELP b_total b\n# TYPE b_total counter\nb_total{To=\"10\"} 1\nb_total{To=\"9\"} 1\nb_total{To=\"a\"} 1\n");
  CHECK(r.find("a") == &a);
  CHECK(r.find("c") == nullptr);
}

TEST_CASE("help texts and label values are escaped") {
  metrics_registry r;
  r.add_counter("x_total", "a \\ and a\nnewline", {"L"}).with({"q\"\\\n"}).inc();
  const auto text = r.render();
  CHECK(text == "# HELP x_total a \\\\ and a\\nnewline\n# TYPE x_total counter\nx_total{L=\"q\\\"\\\\\\n\"} 1\n");
  const auto parsed = prom::parse(text);
  CHECK(parsed.at("x_total").help == "a \\\\ and a\\nnewline");
  CHECK(parsed.at("x_total").value({{"L", "q\"\\\n"}}) == 1);
}

TEST_CASE("registration refuses duplicates, unsorted labels, descending buckets and wrong label counts") {
  metrics_registry r;
  auto& f = r.add_counter("x_total", "x", {"To"});
  CHECK_THROWS_AS(r.add_gauge("x_total", "again", {}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("y_total", "y", {"Remote", "Local"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("z", "z", {}, {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS((void)f.with({"1", "2"}), std::invalid_argument);
}

// ---------------------------------------------------------------- strict parser ---

TEST_CASE("the test's parser rejects what Prometheus would, and what Go would not write") {
  const char* bad[] = {
      "x 1",                                                            // no final newline
      "x 1\n",                                                          // no HELP/TYPE
      "# HELP x h\n# TYPE x counter\nx 1\n\n",                          // blank line
      "# HELP x h\n# TYPE x counter\nx -1\n",                           // negative counter
      "# HELP x h\n# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",     // duplicate series
      "# HELP x h\n# TYPE x counter\nx{a=\"\\t\"} 1\n",                 // invalid escape
      "# HELP x h\n# TYPE x counter\ny 1\n",                            // sample of another family
      "# HELP x h\n# TYPE x counter\nx{a=\"1\"} 1\nx{b=\"1\"} 1\n",     // label names differ
      "# HELP x h\n# TYPE x counter\nx one\n",                          // not a number
      "# HELP x h\n# TYPE x counter\nx{__a=\"1\"} 1\n",                 // reserved label
      "# HELP x h\n# TYPE x counter\nx 1\n# HELP x h\n# TYPE x counter\n",  // split family
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 1\n",                                           // le not ascending
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",  // +Inf != count
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",           // no _sum
  };
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_THROWS_AS((void)prom::parse(text), prom::parse_error);
  }
  CHECK(prom::parse("").empty());
  CHECK_NOTHROW((void)prom::parse("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
                                  "h_sum 3\nh_count 1\n"));
}
