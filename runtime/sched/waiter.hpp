// Waiter: whoever blocks in a channel or sync operation, goroutine or not.
//
// The layers above the scheduler (chan, sync, time) queue Waiters on their
// own locked wait lists and never care which kind they hold:
//
//   lock(ch);
//   Waiter w;                       // the calling goroutine, or this thread
//   ch.recvq.push(&w);
//   w.block([](void* l) { static_cast<Lock*>(l)->unlock(); }, &ch.lock,
//           WaitReason::chan_receive);
//   // woken: whoever dequeued w called w.wake() after filling in its slot
//
// Protocol: block() calls unlock(arg) only once the waiter can safely be
// woken (a goroutine: after its context is saved; a thread: at once, as it
// sleeps on a futex that remembers an early wake). A waker takes the waiter
// off the list under the same lock and calls wake() exactly once, after
// releasing or while holding that lock. The Waiter lives on the blocked
// side's stack; the waker must not touch it after wake().
//
// A thread that is not a goroutine counts in Sched::foreign_waiters while it
// sleeps, so the deadlock check knows a goroutine may still be readied.
#pragma once

#include "runtime/sched/futex.hpp"
#include "runtime/sched/g.hpp"

namespace goro::sched {

class Waiter {
 public:
  Waiter() noexcept;  // the caller: the running goroutine, or this thread
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  void block(void (*unlock)(void*), void* arg, WaitReason reason) noexcept;
  void wake() noexcept;

  G* goroutine() const noexcept { return g_; }

  // Free for the layer above: what the waker hands over (Go's sudog fields).
  void* elem = nullptr;      // where a value is moved to or from
  void* owner = nullptr;     // select: which case woke us
  Waiter* next = nullptr;    // intrusive links for wait lists
  Waiter* prev = nullptr;
  std::int64_t ticket = 0;   // free for FIFO or fairness bookkeeping

 private:
  G* g_;
  Note note_;
};

}  // namespace goro::sched
