#include "runtime/sched/runq.hpp"

namespace goro::sched {

bool RunQueue::take_half_for_overflow(G* g, GList& out) noexcept {
  std::uint32_t h = head_.load(std::memory_order_acquire);
  std::uint32_t t = tail_.load(std::memory_order_relaxed);
  std::uint32_t n = (t - h) / 2;
  if (n != kSize / 2) return false;  // not full after all: a thief made room
  G* batch[kSize / 2];
  for (std::uint32_t i = 0; i < n; ++i) batch[i] = slots_[(h + i) % kSize].load(std::memory_order_relaxed);
  if (!head_.compare_exchange_strong(h, h + n, std::memory_order_release, std::memory_order_relaxed))
    return false;  // a thief took some: the caller retries the fast path
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(batch[i]);
  out.push_back(g);
  return true;
}

std::uint32_t RunQueue::grab(std::array<G*, kSize>& batch) noexcept {
  for (;;) {
    std::uint32_t h = head_.load(std::memory_order_acquire);  // other consumers
    std::uint32_t t = tail_.load(std::memory_order_acquire);  // the producer
    std::uint32_t n = t - h;
    n -= n / 2;
    if (n == 0) return 0;
    if (n > kSize / 2) continue;  // h and t read at different times; retry
    for (std::uint32_t i = 0; i < n; ++i) batch[i] = slots_[(h + i) % kSize].load(std::memory_order_relaxed);
    if (head_.compare_exchange_weak(h, h + n, std::memory_order_release, std::memory_order_relaxed)) return n;
  }
}

G* RunQueue::steal_into(RunQueue& thief) noexcept {
  std::array<G*, kSize> batch;
  std::uint32_t n = grab(batch);
  if (n == 0) return nullptr;
  G* first = batch[n - 1];
  if (--n == 0) return first;
  // The thief's ring is empty (it only steals when it has no work), so the
  // stolen half always fits.
  std::uint32_t t = thief.tail_.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) thief.slots_[(t + i) % kSize].store(batch[i], std::memory_order_relaxed);
  thief.tail_.store(t + n, std::memory_order_release);
  return first;
}

std::uint32_t RunQueue::size() const noexcept {
  for (;;) {
    std::uint32_t h = head_.load(std::memory_order_acquire);
    std::uint32_t t = tail_.load(std::memory_order_acquire);
    if (h == head_.load(std::memory_order_acquire)) return t - h;
  }
}

}  // namespace goro::sched
