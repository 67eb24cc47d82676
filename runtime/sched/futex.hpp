// Futex-backed primitives the scheduler itself sleeps on. They block the OS
// thread, never a goroutine: they are for the runtime's own short critical
// sections (Lock) and for an M or a foreign thread with nothing to do (Note).
#pragma once

#include "runtime/sched/tls.hpp"

#include <atomic>
#include <cstdint>
#include <unistd.h>

namespace goro::sched {

// futex(2) on a 32-bit word, private to this process.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::int64_t timeout_ns = -1) noexcept;
void futex_wake(std::atomic<std::uint32_t>& word, int count) noexcept;

// One spin-wait hint to the CPU (x86 pause, AArch64 yield): what every
// busy-wait loop of the runtime runs between two looks at its word.
inline void cpu_relax() noexcept {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// Runtime Locks this thread holds. Asynchronous preemption never stops a
// thread holding one (preempt.hpp): the preempting G could need the same
// lock on the same thread and wait for a holder that can never run. Per
// thread, not per goroutine: a Lock is never held across a switch.
// initial-exec: safe to read in a signal handler. Through tls.hpp: a Lock
// taken after a park must count on the thread the G resumed on.
GORO_TLS_DECLARE(int, goro_tls_runtime_locks);
GORO_TLS_ACCESSOR(runtime_locks_held, int, goro_tls_runtime_locks)
GORO_TLS_ADDER(add_runtime_locks_held, goro_tls_runtime_locks)
// Not kept under TSan: preemption is off there (preempt.hpp), and TSan takes
// each goroutine's fiber for a thread of its own, so the counter shared by
// the fibers of one OS thread would show up as a race.
inline void count_runtime_lock(int delta) noexcept {
#if !defined(__SANITIZE_THREAD__)
  add_runtime_locks_held(delta);
#else
  (void)delta;
#endif
}

// A runtime mutex: spins briefly, then sleeps on a futex (Drepper's
// three-state mutex: 0 unlocked, 1 locked, 2 locked with sleepers). Held only
// for a few hundred instructions and never across a context switch.
//
// Unlocking is a plain release store unless the word already says 2: a
// channel operation takes two Locks per side, and a locked exchange on each
// unlock was a third of an uncontended buffered send+receive. The price is a
// window between unlock's load and its store in which a new sleeper can mark
// the word 2 and be missed. No sleeper depends on that wake-up alone: each
// sleeps at most kSleepBound and then looks again, so a missed wake-up costs
// one bounded delay, never progress, and mutual exclusion rests only on the
// CAS and exchange that take the lock.
class Lock {
 public:
  static constexpr std::int64_t kSleepBound = 100'000;  // ns

  void lock() noexcept {
    std::uint32_t expected = 0;
    count_runtime_lock(1);  // before taking it: a preemption in lock_slow would be as bad
    if (!state_.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
      lock_slow();
  }
  // Takes the lock with a plain store, for a caller that knows no other
  // thread touches it now (the owner of bias.hpp's bias): it is free.
  void lock_unshared() noexcept {
    count_runtime_lock(1);
    state_.store(1, std::memory_order_relaxed);
  }
  bool try_lock() noexcept {
    std::uint32_t expected = 0;
    bool ok = state_.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed);
    count_runtime_lock(ok);
    return ok;
  }
  void unlock() noexcept {
    if (state_.load(std::memory_order_relaxed) == 2) [[unlikely]]
      unlock_slow();
    else
      state_.store(0, std::memory_order_release);
    count_runtime_lock(-1);
  }

 private:
  void lock_slow() noexcept;
  void unlock_slow() noexcept;
  std::atomic<std::uint32_t> state_{0};
};

// Calls try_once() up to `tries` times, sleeping pause_us between two calls,
// until it returns true; returns whether it did. For what the runtime's
// reports (dumps, tracebacks) take: they may run in a signal handler that
// interrupted the holder on this very thread, so they wait a bounded time
// and then go on without it.
template <class Try>
bool try_bounded(Try&& try_once, int tries, useconds_t pause_us) noexcept {
  for (int i = 1;; ++i) {
    if (try_once()) return true;
    if (i >= tries) return false;
    usleep(pause_us);
  }
}

// A one-shot wake-up (Go's note): sleep() returns once wake() has been
// called, whichever comes first. clear() re-arms it; only the sleeper may
// clear, and only when no wake() can be in flight.
class Note {
 public:
  // seq_cst, as is woken(): the M sleeping in epoll_wait instead of on its
  // note publishes itself (Sched::poll_sleeper) and then checks woken(); its
  // waker wakes the note and then reads poll_sleeper (schedule.cpp, startm).
  void wake() noexcept {
    if (word_.exchange(1, std::memory_order_seq_cst) == 0) futex_wake(word_, 1);
  }
  void sleep() noexcept;
  // Returns false if the timeout passed without a wake().
  bool sleep_for(std::int64_t timeout_ns) noexcept;
  void clear() noexcept { word_.store(0, std::memory_order_relaxed); }
  bool woken() const noexcept { return word_.load(std::memory_order_seq_cst) != 0; }

 private:
  std::atomic<std::uint32_t> word_{0};
};

}  // namespace goro::sched
