// Cond: Go's sync.Cond over runtime/sema.go's notifyList. Tickets make
// signal() exact: a waiter takes ticket t = wait_++ while still holding the
// Mutex, so it is ordered against every signal/broadcast made under the
// same Mutex; signal() wakes ticket notify_++ only; a waiter whose ticket is
// already below notify_ when it gets to the list does not sleep at all.
//
// The list (Waiter::ticket = the ticket, next = link) is guarded by lock_, a
// runtime Lock kept in the Cond itself.
#include <goro/sync.hpp>

#include "runtime/sched/futex.hpp"
#include "runtime/sched/waiter.hpp"

#include <new>

namespace goro {
namespace {

using sched::Waiter;

static_assert(sizeof(sched::Lock) <= 4 && alignof(sched::Lock) <= 4, "Cond::lock_ holds a sched::Lock");

// a < b in ticket order, allowing for wrap-around (Go's less()).
bool before(std::uint32_t a, std::uint32_t b) noexcept { return static_cast<std::int32_t>(a - b) < 0; }

void unlock_list(void* l) { static_cast<sched::Lock*>(l)->unlock(); }

}  // namespace

Cond::Cond(Mutex& m) : m_(m) { ::new (static_cast<void*>(lock_)) sched::Lock(); }

#define GORO_COND_LOCK (*std::launder(reinterpret_cast<sched::Lock*>(lock_)))

void Cond::wait() {
  std::uint32_t t = wait_.fetch_add(1, std::memory_order_acq_rel);
  m_.unlock();
  sched::Lock& lock = GORO_COND_LOCK;
  lock.lock();
  if (before(t, notify_.load(std::memory_order_relaxed))) {
    lock.unlock();  // already signalled
  } else {
    Waiter w;
    w.ticket = t;
    w.next = nullptr;
    if (tail_) static_cast<Waiter*>(tail_)->next = &w; else head_ = &w;
    tail_ = &w;
    w.block(unlock_list, &lock, sched::WaitReason::sync_cond_wait);
  }
  m_.lock();
}

void Cond::signal() {
  // Fast path: no waiter since the last notification. Racy on purpose, as in
  // Go: a waiter that takes its ticket concurrently is not owed this signal.
  if (wait_.load(std::memory_order_acquire) == notify_.load(std::memory_order_acquire)) return;
  sched::Lock& lock = GORO_COND_LOCK;
  lock.lock();
  std::uint32_t t = notify_.load(std::memory_order_relaxed);
  if (t == wait_.load(std::memory_order_acquire)) {
    lock.unlock();
    return;
  }
  notify_.store(t + 1, std::memory_order_release);
  // Ticket t may not be on the list yet (it is between wait_++ and the
  // lock): then it will see notify_ > t and not sleep.
  Waiter* prev = nullptr;
  for (auto* w = static_cast<Waiter*>(head_); w; prev = w, w = w->next) {
    if (static_cast<std::uint32_t>(w->ticket) != t) continue;
    if (prev) prev->next = w->next; else head_ = w->next;
    if (tail_ == w) tail_ = prev;
    w->next = nullptr;
    lock.unlock();
    w->wake();
    return;
  }
  lock.unlock();
}

void Cond::broadcast() {
  if (wait_.load(std::memory_order_acquire) == notify_.load(std::memory_order_acquire)) return;
  sched::Lock& lock = GORO_COND_LOCK;
  lock.lock();
  auto* w = static_cast<Waiter*>(head_);
  head_ = tail_ = nullptr;
  notify_.store(wait_.load(std::memory_order_acquire), std::memory_order_release);
  lock.unlock();
  while (w) {
    Waiter* next = w->next;  // before wake(): w may be gone after
    w->wake();
    w = next;
  }
}

#undef GORO_COND_LOCK

}  // namespace goro
