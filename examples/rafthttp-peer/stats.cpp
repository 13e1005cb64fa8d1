#include "stats.hpp"

#include <fstream>
#include <string>

namespace peer_cli {

std::int64_t peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

}  // namespace peer_cli
