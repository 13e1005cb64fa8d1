// Replays every committed fuzz input — the corpora (tests/fuzz/corpus/<target>/)
// and the reproducers of findings (tests/fuzz/regressions/<target>/) — through
// the same checks the libFuzzer targets run (targets.hpp), as ordinary tests
// built with the project's compiler.
#define RAFTHTTP_FUZZ_THROW 1
#include "fuzz/targets.hpp"

#include "fuzz/alloc_hook.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs(const std::string& kind, const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(RAFTHTTP_FUZZ_DIR) / kind / target;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && !entry.path().filename().string().starts_with(".")) files.push_back(entry.path());
  std::ranges::sort(files);
  return files;
}

std::vector<std::uint8_t> read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class Check>
void replay(const std::string& target, Check check, std::size_t min_corpus) {
  std::size_t corpus = 0;
  for (const std::string kind : {"corpus", "regressions"}) {
    for (const auto& path : inputs(kind, target)) {
      const auto data = read(path);
      try {
        check(std::span<const std::uint8_t>(data.data(), data.size()));
      } catch (const std::exception& e) {
        FAIL_CHECK(kind << "/" << target << "/" << path.filename().string() << ": " << std::string(e.what()));
      }
      if (kind == "corpus") ++corpus;
    }
  }
  CHECK(corpus >= min_corpus);
}

}  // namespace

TEST_CASE("fuzz inputs: http_request") { replay("http_request", rafthttp::fuzz::check_http_request, 10); }
TEST_CASE("fuzz inputs: http_response") { replay("http_response", rafthttp::fuzz::check_http_response, 10); }
TEST_CASE("fuzz inputs: protobuf") { replay("protobuf", rafthttp::fuzz::check_protobuf, 10); }
TEST_CASE("fuzz inputs: message_stream") { replay("message_stream", rafthttp::fuzz::check_message_stream, 10); }
TEST_CASE("fuzz inputs: msgappv2") { replay("msgappv2", rafthttp::fuzz::check_msgappv2, 10); }

// The machinery under the checks works: allocations are seen, a bound is
// enforced, a violated invariant is reported.
TEST_CASE("fuzz checks report what they should") {
  using namespace rafthttp::fuzz;
  CHECK(alloc::hooked);
  reset_largest_allocation();
  {
    tracked_scope tracked;
    void* p = ::operator new(200 * 1024);
    asm volatile("" : : "r"(p) : "memory");  // keep the allocation
    ::operator delete(p);
  }
  CHECK(alloc::largest >= 200 * 1024);
  CHECK_THROWS_AS(require_allocations_within(1, 1, "self-test"), invariant_violation);
  CHECK_NOTHROW(require_allocations_within(4096, 64, "self-test"));
  CHECK_THROWS_AS(FUZZ_REQUIRE(1 + 1 == 3, "arithmetic"), invariant_violation);
}
