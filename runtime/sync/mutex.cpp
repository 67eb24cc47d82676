// Mutex: Go's sync/mutex.go, normal and starvation modes (see the class
// comment in include/goro/sync.hpp). Waiters sleep on sema_ through the
// semtable, so a parked waiter costs no thread.
#include <goro/sync.hpp>

#include "runtime/sched/sched.hpp"
#include "runtime/sync/access.hpp"
#include "runtime/sync/sema.hpp"

#include <stdexcept>

namespace goro {
namespace {

constexpr std::int32_t kLocked = 1;
constexpr std::int32_t kWoken = detail::SyncAccess::kWoken;
constexpr std::int32_t kStarving = detail::SyncAccess::kStarving;
constexpr int kWaiterShift = detail::SyncAccess::kWaiterShift;
constexpr std::int64_t kStarvationThresholdNs = 1'000'000;
constexpr int kSpinIterations = 4;  // Go's active_spin
constexpr int kSpinPauses = 30;     // Go's active_spin_cnt

// Spinning only pays when the holder is running on another P and no other
// goroutine wants ours: more than one P, and some P neither idle nor
// spinning besides ours (Go's sync_runtime_canSpin, minus the local run
// queue check).
bool can_spin(int iter) noexcept {
  if (iter >= kSpinIterations) return false;
  sched::Sched* s = sched::current_sched();
  if (!s) return true;  // plain threads: a short spin before the futex
  int procs = s->nprocs.load(std::memory_order_relaxed);
  if (procs <= 1) return false;
  return procs > s->npidle.load(std::memory_order_relaxed) + s->nmspinning.load(std::memory_order_relaxed) + 1;
}

void spin() noexcept {
  for (int i = 0; i < kSpinPauses; ++i) sched::cpu_relax();
}

[[noreturn]] void inconsistent() { throw std::logic_error("sync: inconsistent mutex state"); }

}  // namespace

bool Mutex::try_lock() noexcept {
  std::int32_t old = state_.load(std::memory_order_relaxed);
  if (old & (kLocked | kStarving)) return false;
  // There may be a goroutine waiting for the mutex, but we are running now
  // and can try to grab it before it wakes up.
  return state_.compare_exchange_strong(old, old | kLocked, std::memory_order_acquire, std::memory_order_relaxed);
}

void Mutex::lock_slow() {
  std::int64_t wait_start = 0;
  bool starving = false;
  bool awoke = false;  // we were woken from sema_ and hold the woken bit
  int iter = 0;
  std::int32_t old = state_.load(std::memory_order_relaxed);
  for (;;) {
    // Spin only in normal mode: in starvation mode ownership is handed to
    // the waiters, so we could not get it anyway.
    if ((old & (kLocked | kStarving)) == kLocked && can_spin(iter)) {
      // Set the woken bit so unlock does not wake another waiter.
      if (!awoke && !(old & kWoken) && (old >> kWaiterShift) != 0 &&
          state_.compare_exchange_strong(old, old | kWoken, std::memory_order_relaxed))
        awoke = true;
      spin();
      ++iter;
      old = state_.load(std::memory_order_relaxed);
      continue;
    }
    std::int32_t next = old;
    if (!(old & kStarving)) next |= kLocked;  // new arrivals do not take a starving mutex
    if (old & (kLocked | kStarving)) next += 1 << kWaiterShift;
    // Switch to starvation mode only if the mutex is still locked: an
    // unlocked starving mutex would have nobody to hand it over.
    if (starving && (old & kLocked)) next |= kStarving;
    if (awoke) {
      if (!(next & kWoken)) inconsistent();
      next &= ~kWoken;
    }
    if (state_.compare_exchange_weak(old, next, std::memory_order_acquire, std::memory_order_relaxed)) {
      if (!(old & (kLocked | kStarving))) return;  // locked with CAS
      // Waited before: go to the front of the queue.
      bool lifo = wait_start != 0;
      if (wait_start == 0) wait_start = sched::nanotime();
      sync::semacquire(&sema_, lifo, sched::WaitReason::sync_mutex_lock);
      starving = starving || sched::nanotime() - wait_start > kStarvationThresholdNs;
      old = state_.load(std::memory_order_acquire);
      if (old & kStarving) {
        // Handed to us: the mutex is unlocked, in starvation mode, and we
        // are still counted as a waiter. Take it and fix the state.
        if ((old & (kLocked | kWoken)) || (old >> kWaiterShift) == 0) inconsistent();
        std::int32_t delta = kLocked - (1 << kWaiterShift);
        // Leave starvation mode if we did not starve or are the last
        // waiter: staying in it would make a lock-step of every hand-off.
        if (!starving || (old >> kWaiterShift) == 1) delta -= kStarving;
        state_.fetch_add(delta, std::memory_order_acquire);
        return;
      }
      awoke = true;
      iter = 0;
    }
    // compare_exchange_weak reloaded old on failure
  }
}

void Mutex::unlock_slow(std::int32_t now) {
  if (!((now + kLocked) & kLocked)) {
    state_.fetch_add(kLocked, std::memory_order_relaxed);  // undo our decrement
    throw std::logic_error("sync: unlock of unlocked mutex");
  }
  if (!(now & kStarving)) {
    std::int32_t old = now;
    for (;;) {
      // Nobody to wake, or someone already woke or grabbed the lock, or it
      // went starving (then the new owner hands it on).
      if ((old >> kWaiterShift) == 0 || (old & (kLocked | kWoken | kStarving))) return;
      std::int32_t next = (old - (1 << kWaiterShift)) | kWoken;
      if (state_.compare_exchange_weak(old, next, std::memory_order_release, std::memory_order_relaxed)) {
        sync::semrelease(&sema_, false);
        return;
      }
    }
  }
  // Starvation mode: hand ownership to the next waiter and yield our time
  // slice to it. The locked bit stays clear; the waiter sets it. New
  // arrivals see the starving bit and queue instead of taking it.
  sync::semrelease(&sema_, true);
}

}  // namespace goro
