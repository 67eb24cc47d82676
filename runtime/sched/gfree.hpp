// Dead Gs kept for reuse (Go's gfput / gfget): a cache on each P, and a
// global pool the caches spill into and refill from.
//
// Both hold G pointers in arrays, not lists linked through G::next. A dead G
// waiting for reuse leaves the cache; moving a batch of them between a P and
// the pool along a list reads each G's link, one miss after another (the
// next address is in the G), under the pool's lock. With two Ps, one
// spawning and one running the spawned Gs to their end, every G freed on
// one P is reused on the other through the pool: that walk was 92% of
// new_g. With arrays a batch is a copy of pointers and no G is touched
// until it is reused.
//
// The P cache is LIFO: the G freed last (its lines still in this core's
// cache) is reused first.
#pragma once

#include "runtime/sched/futex.hpp"
#include "runtime/sched/g.hpp"

#include <atomic>
#include <cstdint>

namespace goro::sched {

// A P's cache. Owner only; no synchronisation.
struct GCache {
  static constexpr int kSize = 64;   // spills half when full (Go: 64 / 32)
  static constexpr int kBatch = kSize / 2;
  G* gs[kSize];
  int n = 0;

  G* pop() noexcept { return n ? gs[--n] : nullptr; }
  bool full() const noexcept { return n == kSize; }
  void push(G* g) noexcept { gs[n++] = g; }  // callers spill first when full
};

// The global pool, a growable array used as a stack. Its own lock, a leaf
// (nothing else is taken while it is held), not Sched::lock: spills and
// refills do not wait behind run-queue work and vice versa.
class GPool {
 public:
  GPool() = default;
  ~GPool();
  GPool(const GPool&) = delete;
  GPool& operator=(const GPool&) = delete;

  // Moves the older half of a full cache into the pool.
  void spill(GCache& c) noexcept;
  // Moves up to GCache::kBatch Gs into an empty cache; false if the pool was
  // empty (checked first without the lock).
  bool refill(GCache& c) noexcept;
  void put(G* g) noexcept;  // one G, from a thread without a P
  G* get() noexcept;        // one G, or nullptr
  std::int64_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

 private:
  void reserve_locked(std::int64_t n) noexcept;  // room for n more

  Lock lock_;
  G** slots_ = nullptr;
  std::int64_t n_ = 0;
  std::int64_t cap_ = 0;
  std::atomic<std::int64_t> size_{0};  // n_, readable without the lock (a hint)
};

}  // namespace goro::sched
