// Go's sync package for goroutines: WaitGroup, Mutex, RWMutex, Once, Cond,
// and x/sync's ErrGroup. Blocking parks the goroutine, never the OS thread;
// the same objects also work from plain std::threads (they sleep on a futex).
//
//   goro::WaitGroup wg;
//   goro::Mutex mu;
//   int total = 0;
//   for (int i = 0; i < 100; ++i) {
//     wg.add();
//     goro::go([&, i] { std::lock_guard lk(mu); total += i; wg.done(); });
//   }
//   wg.wait();
//
// Mutex and RWMutex are Lockable (std::lock_guard, std::unique_lock,
// std::scoped_lock; RWMutex also std::shared_lock). Misuse is Go's panic,
// thrown as std::logic_error with Go's message: a negative WaitGroup counter,
// unlocking an unlocked Mutex or RWMutex.
//
// None of these may be copied or moved once in use, and none may be
// destroyed while another goroutine or thread is still inside one of its
// calls (a waiter that has returned from wait()/lock() is out of it).
#pragma once

#include <goro/go.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <utility>

namespace goro {

namespace detail {
struct SyncAccess;  // runtime and tests: reads internal state
}

// Waits for a collection of goroutines to finish (Go's sync.WaitGroup):
// add(n) before starting them, done() as each finishes, wait() until the
// counter is zero. wait() with a zero counter returns at once; a WaitGroup
// may be reused once every wait() of the previous round has returned.
class WaitGroup {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  void add(std::int64_t n = 1);  // throws "sync: negative WaitGroup counter"
  void done() { add(-1); }
  void wait();

 private:
  friend struct detail::SyncAccess;
  // High 32 bits: the counter; low 32: goroutines blocked in wait().
  std::atomic<std::uint64_t> state_{0};
  std::atomic<std::uint32_t> sema_{0};
};

// A mutual exclusion lock (Go's sync.Mutex), not reentrant, not tied to the
// goroutine or thread that locked it.
//
// Normal mode: waiters queue FIFO, but a woken waiter competes with newly
// arriving goroutines (which briefly spin first when other Ps run), and
// usually loses: that keeps throughput high. A waiter that has waited more
// than 1 ms switches the mutex to starvation mode: unlock hands ownership
// straight to the waiter at the front, and new arrivals queue at the tail
// without trying. The mode returns to normal when the waiter that gets the
// lock is the last one or waited less than 1 ms.
class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() {
    std::int32_t unlocked = 0;
    if (state_.compare_exchange_strong(unlocked, kLocked, std::memory_order_acquire, std::memory_order_relaxed))
      return;
    lock_slow();
  }
  bool try_lock() noexcept;
  void unlock() {  // throws "sync: unlock of unlocked mutex"
    std::int32_t now = state_.fetch_sub(kLocked, std::memory_order_release) - kLocked;
    if (now != 0) unlock_slow(now);
  }

 private:
  friend struct detail::SyncAccess;
  static constexpr std::int32_t kLocked = 1;
  void lock_slow();
  void unlock_slow(std::int32_t now);

  // Go's layout: bit 0 locked, bit 1 woken (a waiter is awake and will try
  // again, so unlock need not wake another), bit 2 starving, bits 3.. the
  // number of goroutines queued on sema_.
  std::atomic<std::int32_t> state_{0};
  std::atomic<std::uint32_t> sema_{0};
};

// A reader/writer mutex (Go's sync.RWMutex) with writer preference: once a
// writer is waiting in lock(), new lock_shared() calls wait until it has
// had its turn, so a stream of readers cannot starve writers. As in Go, a
// goroutine holding a read lock must not take it again recursively.
class RWMutex {
 public:
  RWMutex() = default;
  RWMutex(const RWMutex&) = delete;
  RWMutex& operator=(const RWMutex&) = delete;

  void lock();
  bool try_lock() noexcept;
  void unlock();         // throws "sync: Unlock of unlocked RWMutex"
  void lock_shared();
  bool try_lock_shared() noexcept;
  void unlock_shared();  // throws "sync: RUnlock of unlocked RWMutex"

 private:
  friend struct detail::SyncAccess;
  static constexpr std::int32_t kMaxReaders = 1 << 30;
  Mutex w_;                                 // held by a writer (excludes other writers)
  std::atomic<std::uint32_t> writer_sem_{0};
  std::atomic<std::uint32_t> reader_sem_{0};
  std::atomic<std::int32_t> reader_count_{0};  // < 0: a writer is pending (count - kMaxReaders)
  std::atomic<std::int32_t> reader_wait_{0};   // readers the pending writer still waits for
};

// Runs a function exactly once (Go's sync.Once). Concurrent callers wait for
// the first call to finish. If f throws, the exception propagates to that
// caller and the Once still counts as done: later calls do nothing. That is
// Go's rule (a panicking f is not retried) and the opposite of
// std::call_once, which treats a throwing call as not having happened.
class Once {
 public:
  Once() = default;
  Once(const Once&) = delete;
  Once& operator=(const Once&) = delete;

  template <class F>
  void call(F&& f) {
    if (done_.load(std::memory_order_acquire) == 0) call_slow(std::forward<F>(f));
  }

 private:
  template <class F>
  void call_slow(F&& f) {
    struct Finish {  // also on unwind: done, then let the others through
      Once* o;
      bool ran = false;
      ~Finish() {
        if (ran) o->done_.store(1, std::memory_order_release);
        o->m_.unlock();
      }
    } finish{this};
    m_.lock();
    if (done_.load(std::memory_order_relaxed) == 0) {
      finish.ran = true;
      std::forward<F>(f)();
    }
  }

  std::atomic<std::uint32_t> done_{0};
  Mutex m_;
};

// A condition variable (Go's sync.Cond) over a Mutex the caller holds.
// wait() unlocks it, parks, and relocks it before returning; as in Go, call
// it in a loop that re-checks the condition. Wake-ups follow Go's notify
// list: each wait() takes a ticket when it starts, signal() wakes the
// oldest ticket not yet woken, broadcast() wakes every ticket issued so far,
// so a signal never wakes a waiter that arrived after it.
class Cond {
 public:
  explicit Cond(Mutex& m);
  Cond(const Cond&) = delete;
  Cond& operator=(const Cond&) = delete;

  void wait();
  void signal();
  void broadcast();

 private:
  friend struct detail::SyncAccess;
  Mutex& m_;
  std::atomic<std::uint32_t> wait_{0};    // next ticket to hand out
  std::atomic<std::uint32_t> notify_{0};  // next ticket to wake
  alignas(4) unsigned char lock_[4];      // a runtime Lock guarding the list
  void* head_ = nullptr;                  // waiters, in ticket order
  void* tail_ = nullptr;
};

// A group of goroutines working on one task (golang.org/x/sync/errgroup,
// without the context): go(f) runs f in a new goroutine; wait() waits for
// all of them and rethrows the first exception any of them threw (the
// others are dropped). Unlike a bare goroutine, an exception from f is not
// a panic. Reuse after wait() keeps the first exception.
class ErrGroup {
 public:
  ErrGroup() = default;
  ErrGroup(const ErrGroup&) = delete;
  ErrGroup& operator=(const ErrGroup&) = delete;

  template <class F>
  void go(F&& f) {
    wg_.add(1);
    try {
      goro::go([this, f = std::forward<F>(f)]() mutable {
        try {
          f();
        } catch (...) {
          std::exception_ptr e = std::current_exception();
          first_.call([&] { error_ = std::move(e); });
        }
        wg_.done();
      });
    } catch (...) {
      wg_.done();
      throw;
    }
  }

  void wait() {
    wg_.wait();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  WaitGroup wg_;
  Once first_;
  std::exception_ptr error_;
};

}  // namespace goro
