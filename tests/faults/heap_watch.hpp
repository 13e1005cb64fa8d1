// Live heap bytes of the faults executable (heap_watch.cpp replaces the
// global operator new and delete; under AddressSanitizer it uses the
// sanitizer's allocation hooks instead), for assertions that memory stays
// bounded while hostile input arrives:
//
//   const auto mark = heap::mark();
//   ... the attack ...
//   CHECK(heap::growth_since(mark) < 16 * mib);   // peak above the mark
#pragma once

#include <cstddef>

namespace rafthttp::test::heap {

// Whether allocations are being counted (false if neither mechanism works).
[[nodiscard]] bool tracking();

// Bytes allocated and not freed now.
[[nodiscard]] std::size_t live();

// Starts a measurement: resets the peak to the live bytes now, returned.
[[nodiscard]] std::size_t mark();

// The highest live bytes since the last mark(), minus the bytes live then.
[[nodiscard]] std::size_t growth_since(std::size_t marked);

}  // namespace rafthttp::test::heap
