// Run queues. A P's RunQueue is a 256-slot lock-free ring (Go's runq): only
// the owning P pushes (at tail) and pops (at head); any other P may steal half
// of it with a CAS on head. Overflow and foreign-thread spawns go to the
// GlobalQueue, a locked FIFO of G pointers in a growable ring.
//
// Memory order (as in Go's proc.go): the owner publishes slots with a release
// store of tail; consumers read tail with acquire, copy the slots, and commit
// with a release CAS of head. The slots themselves are relaxed atomics: a
// thief may read a slot the owner is about to overwrite, but then its CAS on
// head fails and it discards what it read. A P in solo mode (solo.hpp) has
// no thieves: its owner pops with a plain release store of head.
#pragma once

#include "runtime/sched/futex.hpp"
#include "runtime/sched/g.hpp"

#include <array>
#include <atomic>
#include <cstdint>

namespace goro::sched {

// A FIFO of Gs linked through G::next. Not synchronised.
struct GList {
  G* head = nullptr;
  G* tail = nullptr;
  std::int64_t size = 0;

  void push_back(G* g) noexcept {
    g->next = nullptr;
    if (tail) tail->next = g; else head = g;
    tail = g;
    ++size;
  }
  void append(GList& other) noexcept {
    if (!other.head) return;
    if (tail) tail->next = other.head; else head = other.head;
    tail = other.tail;
    size += other.size;
    other = {};
  }
  G* pop_front() noexcept {
    G* g = head;
    if (g) {
      head = g->next;
      if (!head) tail = nullptr;
      g->next = nullptr;
      --size;
    }
    return g;
  }
  bool empty() const noexcept { return head == nullptr; }
};

// The global run queue. Callers hold Sched::lock.
//
// An array, not a list linked through G::next: a G sits here while a P's
// ring overflows and drains, long enough to leave the cache, and taking a
// batch from a linked list is one cache miss per G, each waiting for the
// one before (the next address is in the G). Taking a batch from the array
// touches no G at all. The ring doubles when full and never shrinks: a slot
// per G at the high-water mark, next to Gs that are never freed either.
class GlobalQueue {
 public:
  GlobalQueue() = default;
  ~GlobalQueue();
  GlobalQueue(const GlobalQueue&) = delete;
  GlobalQueue& operator=(const GlobalQueue&) = delete;

  void push_all_locked(GList& gs) noexcept;  // empties gs
  void push_all_locked(G* const* gs, std::int64_t n) noexcept;
  void push_locked(G* g) noexcept { push_all_locked(&g, 1); }
  // Moves the first min(n, size) Gs, in order, to out; returns how many.
  std::int64_t pop_locked(G** out, std::int64_t n) noexcept;
  G* pop_locked() noexcept {
    G* g = nullptr;
    pop_locked(&g, 1);
    return g;
  }
  std::int64_t size_locked() const noexcept { return count_; }
  // Lock-free "is it worth looking": seq_cst, for the spinner's dance.
  bool maybe_nonempty() const noexcept { return size_.load(std::memory_order_seq_cst) != 0; }

 private:
  void grow() noexcept;
  void publish() noexcept { size_.store(count_, std::memory_order_seq_cst); }

  G** slots_ = nullptr;
  std::uint64_t cap_ = 0;    // 0 or a power of two
  std::uint64_t head_ = 0;   // index of the first G (mod cap_)
  std::int64_t count_ = 0;
  std::atomic<std::int64_t> size_{0};  // count_, readable without the lock
};

class RunQueue {
 public:
  static constexpr std::uint32_t kSize = 256;

  // Owner only. Returns false when full (the caller moves half to the global queue).
  // Inline: on the path of every yield and hand-off.
  bool push(G* g) noexcept {
    std::uint32_t h = head_.load(std::memory_order_acquire);  // synchronise with consumers
    std::uint32_t t = tail_.load(std::memory_order_relaxed);  // only we write tail
    if (t - h >= kSize) return false;
    slots_[t % kSize].store(g, std::memory_order_relaxed);
    tail_.store(t + 1, std::memory_order_release);  // publish the slot
    return true;
  }
  // Owner only.
  // `alone`: no thief can touch the ring (solo.hpp), so a store does.
  G* pop(bool alone) noexcept {
    for (;;) {
      std::uint32_t h = head_.load(std::memory_order_acquire);
      std::uint32_t t = tail_.load(std::memory_order_relaxed);
      if (t == h) return nullptr;
      G* g = slots_[h % kSize].load(std::memory_order_relaxed);
      if (alone) {
        head_.store(h + 1, std::memory_order_release);
        return g;
      }
      if (head_.compare_exchange_weak(h, h + 1, std::memory_order_release, std::memory_order_relaxed)) return g;
    }
  }
  // Owner only: moves half the ring plus `g` into `out` (kOverflow Gs,
  // oldest first) when the ring is full.
  static constexpr int kOverflow = kSize / 2 + 1;
  bool take_half_for_overflow(G* g, G** out) noexcept;
  // Any thread: moves half of this ring into `thief`'s ring (which must be
  // empty of room problems: the caller is its owner). Returns one stolen G to
  // run now, or nullptr.
  G* steal_into(RunQueue& thief) noexcept;
  std::uint32_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }

 private:
  std::uint32_t grab(std::array<G*, kSize>& batch) noexcept;

  std::atomic<std::uint32_t> head_{0};
  std::atomic<std::uint32_t> tail_{0};
  std::array<std::atomic<G*>, kSize> slots_{};
};

}  // namespace goro::sched
