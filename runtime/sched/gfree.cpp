#include "runtime/sched/gfree.hpp"

#include "runtime/alloc.hpp"
#include "runtime/debug/fatal.hpp"

#include <cstring>

namespace goro::sched {

GPool::~GPool() { alloc::free(slots_); }

void GPool::reserve_locked(std::int64_t n) noexcept {
  if (n_ + n <= cap_) return;
  std::int64_t cap = cap_ ? 2 * cap_ : 1024;
  while (cap < n_ + n) cap *= 2;
  auto** slots = static_cast<G**>(alloc::aligned(std::size_t(cap) * sizeof(G*), 64));
  if (!slots) debug::fatal("free goroutine pool: out of memory");
  if (n_) std::memcpy(slots, slots_, std::size_t(n_) * sizeof(G*));
  alloc::free(slots_);
  slots_ = slots;
  cap_ = cap;
}

void GPool::spill(GCache& c) noexcept {
  // The cache's bottom half: the Gs freed longest ago, the coldest.
  constexpr int k = GCache::kBatch;
  lock_.lock();
  reserve_locked(k);
  std::memcpy(slots_ + n_, c.gs, k * sizeof(G*));
  n_ += k;
  size_.store(n_, std::memory_order_relaxed);
  lock_.unlock();
  std::memmove(c.gs, c.gs + k, std::size_t(c.n - k) * sizeof(G*));
  c.n -= k;
}

bool GPool::refill(GCache& c) noexcept {
  if (size_.load(std::memory_order_relaxed) == 0) return false;
  lock_.lock();
  std::int64_t k = n_ < GCache::kBatch ? n_ : GCache::kBatch;
  n_ -= k;
  std::memcpy(c.gs + c.n, slots_ + n_, std::size_t(k) * sizeof(G*));
  size_.store(n_, std::memory_order_relaxed);
  lock_.unlock();
  c.n += int(k);
  return k != 0;
}

void GPool::put(G* g) noexcept {
  lock_.lock();
  reserve_locked(1);
  slots_[n_++] = g;
  size_.store(n_, std::memory_order_relaxed);
  lock_.unlock();
}

G* GPool::get() noexcept {
  if (size_.load(std::memory_order_relaxed) == 0) return nullptr;
  lock_.lock();
  G* g = n_ ? slots_[--n_] : nullptr;
  size_.store(n_, std::memory_order_relaxed);
  lock_.unlock();
  return g;
}

}  // namespace goro::sched
