// Counts live heap bytes for heap_watch.hpp: by replacing the global operator
// new and delete, or, under AddressSanitizer (which must keep its own, for its
// checks), through its malloc and free hooks.
#include "faults/heap_watch.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define RAFTHTTP_HEAP_WATCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RAFTHTTP_HEAP_WATCH_ASAN 1
#endif
#endif

namespace rafthttp::test::heap {
namespace {

std::atomic<std::size_t> live_bytes{0};
std::atomic<std::size_t> peak_bytes{0};
std::atomic<bool> hooked{false};

void allocated(std::size_t n) {
  const std::size_t now = live_bytes.fetch_add(n, std::memory_order_relaxed) + n;
  std::size_t seen = peak_bytes.load(std::memory_order_relaxed);
  while (now > seen && !peak_bytes.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
}

void freed(std::size_t n) { live_bytes.fetch_sub(n, std::memory_order_relaxed); }

}  // namespace

bool tracking() { return hooked.load(); }
std::size_t live() { return live_bytes.load(std::memory_order_relaxed); }

std::size_t mark() {
  const std::size_t now = live();
  peak_bytes.store(now, std::memory_order_relaxed);
  return now;
}

std::size_t growth_since(std::size_t marked) {
  const std::size_t peak = peak_bytes.load(std::memory_order_relaxed);
  return peak > marked ? peak - marked : 0;
}

}  // namespace rafthttp::test::heap

#ifdef RAFTHTTP_HEAP_WATCH_ASAN

extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, std::size_t),
                                                          void (*free_hook)(const volatile void*));
extern "C" std::size_t __sanitizer_get_allocated_size(const volatile void* p);

namespace {
// The free hook runs before the chunk is released: its size is still known.
void on_malloc(const volatile void*, std::size_t n) { rafthttp::test::heap::allocated(n); }
void on_free(const volatile void* p) {
  if (p != nullptr) rafthttp::test::heap::freed(__sanitizer_get_allocated_size(p));
}
struct installer {
  installer() { rafthttp::test::heap::hooked = __sanitizer_install_malloc_and_free_hooks(&on_malloc, &on_free) != 0; }
};
const installer install_hooks;
}  // namespace

#else

#include <malloc.h>

namespace {

void* allocate(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  rafthttp::test::heap::allocated(malloc_usable_size(p));
  return p;
}

void* allocate_aligned(std::size_t n, std::align_val_t alignment) {
  const auto a = static_cast<std::size_t>(alignment);
  void* p = std::aligned_alloc(a, (std::max<std::size_t>(n, 1) + a - 1) / a * a);
  if (p == nullptr) throw std::bad_alloc();
  rafthttp::test::heap::allocated(malloc_usable_size(p));
  return p;
}

// Not inlined: g++ would see free() applied to what operator new returned.
[[gnu::noinline]] void release(void* p) noexcept {
  if (p == nullptr) return;
  rafthttp::test::heap::freed(malloc_usable_size(p));
  std::free(p);
}

struct installer {
  installer() { rafthttp::test::heap::hooked = true; }
};
const installer install_hooks;

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }

#endif

#include <doctest/doctest.h>

#include <memory>

// The measure the memory assertions rely on (they are skipped when it is off).
TEST_CASE("heap watch: live bytes and the peak follow allocations") {
  namespace heap = rafthttp::test::heap;
  REQUIRE(heap::tracking());
  const auto mark = heap::mark();
  {
    const auto block = std::make_unique<char[]>(4 * 1024 * 1024);
    block[0] = 1;
    CHECK(heap::live() >= mark + 4 * 1024 * 1024);
  }
  CHECK(heap::live() < mark + 1024 * 1024);
  CHECK(heap::growth_since(mark) >= 4 * 1024 * 1024);
  CHECK(heap::growth_since(heap::mark()) == 0);
}
