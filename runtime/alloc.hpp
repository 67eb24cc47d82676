// Runtime allocations (G, M, P records, large closures): mimalloc, except in
// sanitizer builds. mimalloc recycles memory across threads through its own
// lock-free lists, which ThreadSanitizer cannot see, so a block freed on one
// M and reused on another looks like a race; the sanitizers' intercepted
// malloc carries the happens-before edge (and lets ASan check the blocks).
#pragma once

#include <cstddef>
#include <cstdlib>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define GORO_ALLOC_LIBC 1
#else
#include <mimalloc.h>
#endif

namespace goro::alloc {

inline void* aligned(std::size_t size, std::size_t align) noexcept {
#if defined(GORO_ALLOC_LIBC)
  void* p = nullptr;
  if (align < sizeof(void*)) align = sizeof(void*);
  return posix_memalign(&p, align, size) == 0 ? p : nullptr;
#else
  return mi_malloc_aligned(size, align);
#endif
}

inline void free(void* p) noexcept {
#if defined(GORO_ALLOC_LIBC)
  std::free(p);
#else
  mi_free(p);
#endif
}

}  // namespace goro::alloc
