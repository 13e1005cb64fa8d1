// Byte units of the limits in options.hpp and etcd_version.hpp.
#pragma once

#include <cstddef>

namespace rafthttp {

inline constexpr std::size_t kib = 1024;
inline constexpr std::size_t mib = 1024 * kib;

}  // namespace rafthttp
