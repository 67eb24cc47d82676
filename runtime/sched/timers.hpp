// Per-P timer heaps (Go's p.timers, since 1.14): every P keeps its pending
// timers in a 4-ary min-heap ordered by deadline. Any M may run any P's due
// timers, so timers on an idle P still fire: find_runnable runs them for
// every P before it steals, and the last M to go idle sleeps no longer than
// the earliest deadline of all (Sched::sleep_until). Goroutines waiting on a
// timer count as something that will happen: no deadlock report while any
// timer is pending.
//
// A timer's function runs with its heap's lock held, so once del() returns
// the function is not running and never will: the owner may free the timer.
// Functions must be short and must not take a timer lock (lock order: timer
// heap, then channel locks, then Sched::lock). They run on whatever thread
// and stack ran the heap: ready() a G, try_send on a channel, spawn a G.
//
// Shutdown: a runtime's timers die with it. stop() calls discard_timers once
// every M has exited: each pending timer leaves its heap without firing and
// its `discard` hook (if any) frees what the timer owns (an after() or
// after_func timer owns itself). Go's process just exits; a library runtime
// may be started again in the same process and must leave nothing behind.
// A timer that outlives its runtime (a goro::Timer kept in a global) is not
// pending: del_timer returns false without touching the freed heap (each
// timer remembers the runtime generation it was added in), and add_timer
// may arm it again in a later runtime.
#pragma once

#include "runtime/sched/futex.hpp"

#include <atomic>
#include <cstdint>
#include <vector>

namespace goro::sched {

struct P;
struct Sched;

struct Timer {
  std::int64_t when = 0;      // monotonic ns (nanotime())
  std::int64_t period = 0;    // > 0: fires every period ns (ticks missed while late are dropped)
  void (*fn)(void* arg, std::int64_t now) = nullptr;
  void* arg = nullptr;
  // Called instead of fn when the runtime stops with the timer pending
  // (discard_timers), with no lock held: frees what only the timer refers to.
  void (*discard)(void* arg) = nullptr;
  // Owned by the heap: where the timer sits while pending.
  P* p = nullptr;
  std::int32_t index = -1;    // -1: not pending
  std::uint64_t generation = 0;  // the runtime's (timer_generation()) when last added
};

class TimerHeap {
 public:
  void push_locked(Timer* t) noexcept;
  void remove_locked(Timer* t) noexcept;
  Timer* top_locked() const noexcept { return heap_.empty() ? nullptr : heap_[0]; }
  std::size_t size_locked() const noexcept { return heap_.size(); }
  // The earliest deadline, 0 if none; readable without the lock.
  std::int64_t first() const noexcept { return first_.load(std::memory_order_seq_cst); }

  Lock lock;

 private:
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void place(std::size_t i, Timer* t) noexcept {
    heap_[i] = t;
    t->index = static_cast<std::int32_t>(i);
  }
  void publish_first() noexcept { first_.store(heap_.empty() ? 0 : heap_[0]->when, std::memory_order_seq_cst); }

  std::vector<Timer*> heap_;
  std::atomic<std::int64_t> first_{0};
};

// Adds a timer (t->when, fn and arg set; not pending) to the current P's heap,
// or to a P chosen by address from a thread without one.
void add_timer(Timer* t) noexcept;
// Removes a pending timer. Returns true if it was pending (it will not fire),
// false if it already fired or was never added.
bool del_timer(Timer* t) noexcept;
// Runs p's due timers. Returns the next deadline of p (0 if none).
std::int64_t run_timers(P* p, std::int64_t now) noexcept;
// Shutdown, once no M runs (sched.cpp stop()): empties every P's heap without
// running a timer function, calls each pending timer's discard hook, and
// starts a new generation, so no del_timer looks at these heaps again.
void discard_timers(Sched* s) noexcept;

}  // namespace goro::sched
