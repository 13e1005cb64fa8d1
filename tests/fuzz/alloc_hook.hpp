// Reports every allocation's size to rafthttp::fuzz::alloc::note_allocation.
// Include it in exactly one source file of an executable.
//
// Under AddressSanitizer it installs a sanitizer malloc hook, which keeps
// ASan's own operator new/delete (and its new/delete mismatch checks);
// elsewhere it replaces the global operator new and delete.
#pragma once

#include "common.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define RAFTHTTP_FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RAFTHTTP_FUZZ_ASAN 1
#endif
#endif

#ifdef RAFTHTTP_FUZZ_ASAN

extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, std::size_t),
                                                          void (*free_hook)(const volatile void*));

namespace rafthttp::fuzz::alloc {
inline void malloc_hook(const volatile void*, std::size_t n) { note_allocation(n); }
inline void free_hook(const volatile void*) {}
namespace {
struct installer {
  installer() {
    __sanitizer_install_malloc_and_free_hooks(&malloc_hook, &free_hook);
    hooked = true;
  }
};
[[maybe_unused]] const installer install_hooks;
}  // namespace
}  // namespace rafthttp::fuzz::alloc

#else

namespace rafthttp::fuzz::alloc {
namespace {
struct installer {
  installer() { hooked = true; }
};
[[maybe_unused]] const installer install_hooks;
}  // namespace

inline void* allocate(std::size_t n) {
  note_allocation(n);
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

inline void* allocate_aligned(std::size_t n, std::align_val_t alignment) {
  note_allocation(n);
  const auto a = static_cast<std::size_t>(alignment);
  void* p = std::aligned_alloc(a, (n + a - 1) / a * a);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
// Not inlined: g++ would see free() applied to what operator new returned.
[[gnu::noinline]] inline void release(void* p) noexcept { std::free(p); }
}  // namespace rafthttp::fuzz::alloc

void* operator new(std::size_t n) { return rafthttp::fuzz::alloc::allocate(n); }
void* operator new[](std::size_t n) { return rafthttp::fuzz::alloc::allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return rafthttp::fuzz::alloc::allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return rafthttp::fuzz::alloc::allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return rafthttp::fuzz::alloc::allocate_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return rafthttp::fuzz::alloc::allocate_aligned(n, a); }
void operator delete(void* p) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete[](void* p) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete(void* p, std::size_t) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete[](void* p, std::size_t) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete(void* p, std::align_val_t) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { rafthttp::fuzz::alloc::release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { rafthttp::fuzz::alloc::release(p); }

#endif
