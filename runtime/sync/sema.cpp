#include "runtime/sync/sema.hpp"

#include "runtime/sched/futex.hpp"
#include "runtime/sched/sched.hpp"
#include "runtime/sched/waiter.hpp"

#include <cstddef>

namespace goro::sync {
namespace {

using sched::Waiter;

constexpr std::size_t kBuckets = 251;  // prime, as Go's semTabSize

// Wait list: Waiter::elem = the address waited on, next/prev = list links,
// ticket = 1 when the releaser handed its count straight to this waiter.
struct alignas(64) Bucket {
  sched::Lock lock;
  std::atomic<std::uint32_t> nwait{0};
  Waiter* head = nullptr;  // guarded by lock
  Waiter* tail = nullptr;

  void push_back(Waiter* w) noexcept {
    w->next = nullptr;
    w->prev = tail;
    if (tail) tail->next = w; else head = w;
    tail = w;
  }
  // Before the first waiter on the same address, so it is the next one taken.
  void push_front_of_addr(Waiter* w) noexcept {
    Waiter* at = head;
    while (at && at->elem != w->elem) at = at->next;
    if (!at) return push_back(w);
    w->next = at;
    w->prev = at->prev;
    if (at->prev) at->prev->next = w; else head = w;
    at->prev = w;
  }
  Waiter* take(const void* addr) noexcept {
    Waiter* w = head;
    while (w && w->elem != addr) w = w->next;
    if (!w) return nullptr;
    if (w->prev) w->prev->next = w->next; else head = w->next;
    if (w->next) w->next->prev = w->prev; else tail = w->prev;
    w->next = w->prev = nullptr;
    return w;
  }
};

Bucket table[kBuckets];

Bucket& bucket_of(const void* addr) noexcept {
  return table[(reinterpret_cast<std::uintptr_t>(addr) >> 3) % kBuckets];
}

bool can_acquire(std::atomic<std::uint32_t>* addr) noexcept {
  std::uint32_t v = addr->load(std::memory_order_relaxed);
  while (v != 0) {
    if (addr->compare_exchange_weak(v, v - 1, std::memory_order_acquire, std::memory_order_relaxed)) return true;
  }
  return false;
}

void unlock_bucket(void* b) { static_cast<Bucket*>(b)->lock.unlock(); }

}  // namespace

void semacquire(std::atomic<std::uint32_t>* addr, bool lifo, sched::WaitReason reason) noexcept {
  if (can_acquire(addr)) return;
  Bucket& b = bucket_of(addr);
  for (;;) {
    b.lock.lock();
    b.nwait.fetch_add(1, std::memory_order_seq_cst);
    // seq_cst load pairs with semrelease's seq_cst add: see the header.
    if (addr->load(std::memory_order_seq_cst) != 0 && can_acquire(addr)) {
      b.nwait.fetch_sub(1, std::memory_order_relaxed);
      b.lock.unlock();
      return;
    }
    Waiter w;
    w.elem = addr;
    w.ticket = 0;
    if (lifo) b.push_front_of_addr(&w); else b.push_back(&w);
    w.block(unlock_bucket, &b, reason);
    // The releaser decremented nwait when it took us off the list.
    if (w.ticket != 0 || can_acquire(addr)) return;
  }
}

void semrelease(std::atomic<std::uint32_t>* addr, bool handoff, std::uint32_t n) noexcept {
  Bucket& b = bucket_of(addr);
  addr->fetch_add(n, std::memory_order_seq_cst);
  if (b.nwait.load(std::memory_order_seq_cst) == 0) return;

  b.lock.lock();
  if (b.nwait.load(std::memory_order_relaxed) == 0) {
    b.lock.unlock();
    return;
  }
  Waiter* woken = nullptr;  // chained through next, in wake order
  Waiter** tail = &woken;
  bool handed = false;
  for (std::uint32_t i = 0; i < n; ++i) {
    Waiter* w = b.take(addr);
    if (!w) break;
    b.nwait.fetch_sub(1, std::memory_order_relaxed);
    if (handoff && n == 1 && can_acquire(addr)) {
      w->ticket = 1;
      handed = true;
    }
    *tail = w;
    tail = &w->next;
  }
  b.lock.unlock();
  while (woken) {
    Waiter* next = woken->next;  // read before wake(): the waiter may be gone after
    woken->wake();
    woken = next;
  }
  // The waiter now owns what we released; let it run on our P right away
  // (ready() put it in runnext) instead of waiting out our time slice.
  if (handed && sched::current_g()) sched::yield();
}

int sema_waiters(const std::atomic<std::uint32_t>* addr) noexcept {
  Bucket& b = bucket_of(addr);
  b.lock.lock();
  int n = 0;
  for (Waiter* w = b.head; w; w = w->next) n += w->elem == addr;
  b.lock.unlock();
  return n;
}

}  // namespace goro::sync
