// A fresh directory under the system's temporary directory for one test,
// removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace rafthttp::test {

struct scratch_dir {
  explicit scratch_dir(std::string_view prefix = "rafthttp-")
      : path(std::filesystem::temp_directory_path() / (std::string(prefix) + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(path);
  }
  scratch_dir(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }

  // The names of the files in it (no order).
  [[nodiscard]] std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename().string());
    return names;
  }

  std::filesystem::path path;
};

}  // namespace rafthttp::test
