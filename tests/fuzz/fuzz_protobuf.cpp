// libFuzzer entry point of the protobuf target; the checks are in targets.hpp.
#include "targets.hpp"

#include "alloc_hook.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rafthttp::fuzz::check_protobuf({data, size});
  return 0;
}
