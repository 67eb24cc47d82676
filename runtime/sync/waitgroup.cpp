// WaitGroup: Go's sync/waitgroup.go. state_ packs the counter (high 32 bits)
// and the number of waiters (low 32) so add() can tell, in one atomic step,
// whether it brought the counter to zero with goroutines waiting.
#include <goro/sync.hpp>

#include "runtime/sync/sema.hpp"

#include <stdexcept>

namespace goro {

void WaitGroup::add(std::int64_t n) {
  std::uint64_t delta = static_cast<std::uint64_t>(n) << 32;
  std::uint64_t state = state_.fetch_add(delta, std::memory_order_acq_rel) + delta;
  auto counter = static_cast<std::int32_t>(state >> 32);
  auto waiters = static_cast<std::uint32_t>(state);
  if (counter < 0) {
    state_.fetch_sub(delta, std::memory_order_relaxed);  // leave it as it was
    throw std::logic_error("sync: negative WaitGroup counter");
  }
  if (waiters != 0 && n > 0 && counter == n)
    throw std::logic_error("sync: WaitGroup misuse: Add called concurrently with Wait");
  if (counter > 0 || waiters == 0) return;
  // The counter is zero and there are waiters. Nobody can change state_ now
  // except by misuse (an add racing this last done), so reset it: a new
  // round may start as soon as the waiters are released.
  if (state_.load(std::memory_order_relaxed) != state)
    throw std::logic_error("sync: WaitGroup misuse: Add called concurrently with Wait");
  state_.store(0, std::memory_order_relaxed);
  // Release every waiter with one call: after the semaphore add, nothing
  // here touches *this again, so a released waiter may destroy the group.
  sync::semrelease(&sema_, false, waiters);
}

void WaitGroup::wait() {
  std::uint64_t state = state_.load(std::memory_order_acquire);
  for (;;) {
    if ((state >> 32) == 0) return;
    if (state_.compare_exchange_weak(state, state + 1, std::memory_order_acquire, std::memory_order_acquire)) {
      sync::semacquire(&sema_, false, sched::WaitReason::sync_waitgroup_wait);
      return;
    }
  }
}

}  // namespace goro
