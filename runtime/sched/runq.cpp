#include "runtime/sched/runq.hpp"

#include "runtime/alloc.hpp"
#include "runtime/debug/fatal.hpp"

namespace goro::sched {

// --- GlobalQueue -------------------------------------------------------------------

GlobalQueue::~GlobalQueue() { alloc::free(slots_); }

void GlobalQueue::grow() noexcept {
  const std::uint64_t cap = cap_ ? 2 * cap_ : 1024;
  auto** slots = static_cast<G**>(alloc::aligned(cap * sizeof(G*), 64));
  if (!slots) debug::fatal("global run queue: out of memory");
  for (std::int64_t i = 0; i < count_; ++i) slots[i] = slots_[(head_ + std::uint64_t(i)) & (cap_ - 1)];
  alloc::free(slots_);
  slots_ = slots;
  cap_ = cap;
  head_ = 0;
}

void GlobalQueue::push_all_locked(GList& gs) noexcept {
  if (gs.empty()) return;
  while (std::uint64_t(count_ + gs.size) > cap_) grow();
  for (G* g = gs.head; g; g = g->next) slots_[(head_ + std::uint64_t(count_++)) & (cap_ - 1)] = g;
  gs = {};
  publish();
}

void GlobalQueue::push_all_locked(G* const* gs, std::int64_t n) noexcept {
  if (n <= 0) return;
  while (std::uint64_t(count_ + n) > cap_) grow();
  for (std::int64_t i = 0; i < n; ++i) slots_[(head_ + std::uint64_t(count_++)) & (cap_ - 1)] = gs[i];
  publish();
}

std::int64_t GlobalQueue::pop_locked(G** out, std::int64_t n) noexcept {
  if (n > count_) n = count_;
  if (n <= 0) return 0;
  for (std::int64_t i = 0; i < n; ++i) out[i] = slots_[(head_ + std::uint64_t(i)) & (cap_ - 1)];
  head_ = (head_ + std::uint64_t(n)) & (cap_ - 1);
  count_ -= n;
  publish();
  return n;
}

// --- RunQueue ----------------------------------------------------------------------

bool RunQueue::take_half_for_overflow(G* g, G** out) noexcept {
  std::uint32_t h = head_.load(std::memory_order_acquire);
  std::uint32_t t = tail_.load(std::memory_order_relaxed);
  std::uint32_t n = (t - h) / 2;
  if (n != kSize / 2) return false;  // not full after all: a thief made room
  for (std::uint32_t i = 0; i < n; ++i) out[i] = slots_[(h + i) % kSize].load(std::memory_order_relaxed);
  if (!head_.compare_exchange_strong(h, h + n, std::memory_order_release, std::memory_order_relaxed))
    return false;  // a thief took some: the caller retries the fast path
  out[n] = g;
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
