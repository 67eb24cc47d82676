// Reservations and their signal-safe registry (see arena.hpp).
#include "runtime/stack/arena.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>

namespace goro::stack::detail {

namespace {

// One registered reservation. `base` is the publication word: nonzero means
// the other fields are valid. `claimed` hands out free entries to registrants
// (never looked at by the handler).
struct Entry {
  std::atomic<std::uintptr_t> base{0};
  std::atomic<std::size_t> bytes{0};
  std::atomic<std::size_t> stride{0};
  std::atomic<std::size_t> stack_size{0};
  std::atomic<bool> claimed{false};
};

Entry g_registry[kMaxReservations];

}  // namespace

std::size_t page_size() noexcept {
  static const std::size_t size = std::size_t(sysconf(_SC_PAGESIZE));
  return size;
}

std::byte* map_reservation(std::size_t bytes) noexcept {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  // Without this, transparent huge pages would commit a whole 2 MiB extent
  // (several slots) at the first touch of one stack page.
  madvise(p, bytes, MADV_NOHUGEPAGE);
  return static_cast<std::byte*>(p);
}

void unmap_reservation(std::byte* base, std::size_t bytes) noexcept { munmap(base, bytes); }

bool register_reservation(std::byte* base, std::size_t bytes, std::size_t stride,
                          std::size_t stack_size) noexcept {
  for (Entry& e : g_registry) {
    bool expected = false;
    if (!e.claimed.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) continue;
    e.bytes.store(bytes, std::memory_order_relaxed);
    e.stride.store(stride, std::memory_order_relaxed);
    e.stack_size.store(stack_size, std::memory_order_relaxed);
    e.base.store(reinterpret_cast<std::uintptr_t>(base), std::memory_order_release);
    return true;
  }
  return false;
}

void unregister_reservation(std::byte* base) noexcept {
  const auto key = reinterpret_cast<std::uintptr_t>(base);
  for (Entry& e : g_registry) {
    if (e.base.load(std::memory_order_relaxed) != key) continue;
    e.base.store(0, std::memory_order_release);
    e.claimed.store(false, std::memory_order_release);
    return;
  }
}

bool find_guard(std::uintptr_t addr, std::size_t* stack_size) noexcept {
  for (Entry& e : g_registry) {
    const std::uintptr_t base = e.base.load(std::memory_order_acquire);
    if (base == 0 || addr < base) continue;
    const std::size_t offset = addr - base;
    if (offset >= e.bytes.load(std::memory_order_relaxed)) continue;
    const std::size_t stride = e.stride.load(std::memory_order_relaxed);
    // page_size() is initialised here: a pool called it before registering.
    if (stride == 0 || offset % stride >= page_size()) return false;  // inside a stack, not a guard
    *stack_size = e.stack_size.load(std::memory_order_relaxed);
    return true;
  }
  return false;
}

}  // namespace goro::stack::detail
