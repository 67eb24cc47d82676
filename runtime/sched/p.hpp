// P: the right to run goroutines. See sched.hpp.
#pragma once

#include "runtime/sched/gfree.hpp"
#include "runtime/sched/runq.hpp"
#include "runtime/sched/timers.hpp"
#include "runtime/stack/stack.hpp"

#include <atomic>
#include <cstdint>

namespace goro::sched {

struct M;

enum class PStatus : std::uint8_t {
  idle,     // on the idle list (Sched::idle_ps), owned by the scheduler lock
  running,  // held by an M that runs goroutines or looks for them
  retired,  // beyond gomaxprocs; holds nothing
  syscall,  // its M is inside goro::blocking(): M::syscall_p remembers it, but
            // the M touches none of its state; whoever CASes it out of this
            // state owns it (the M coming back, or sysmon retaking it)
};

struct alignas(64) P {
  int id = 0;
  std::atomic<PStatus> status{PStatus::idle};  // written by its M or under Sched::lock; read by thieves
  M* m = nullptr;                  // the M holding it, if running
  P* idle_next = nullptr;          // link in Sched::idle_ps

  RunQueue runq;
  // The G made ready by the running G (a channel hand-off, a new goroutine):
  // it runs next, inheriting the rest of the time slice. Stealable (CAS).
  std::atomic<G*> runnext{nullptr};
  // Solo mode (solo.hpp): no thief touches runq or runnext, so the owner
  // uses plain stores on them. Owner-written, except off -> leave requests.
  std::atomic<std::uint8_t> solo{0};
  std::atomic<std::int64_t> syscall_when{0};  // entered the syscall state (nanotime), for sysmon
  std::uint32_t schedtick = 0;     // schedules done; every 61st looks at the global queue first
  TimerHeap timers;                // pending timers (timers.hpp); any M may run them

  // Caches that let spawn and exit run without a lock.
  GCache free_gs;                  // dead Gs ready for reuse (stackless); gfree.hpp
  // Goroutine ids this P hands out, [goid_next, goid_end): a batch taken from
  // Sched::next_goid at a time (Go's goidcache), so spawns on different Ps
  // do not take turns with that shared counter's cache line.
  static constexpr std::uint64_t kGoidBatch = 16;
  std::uint64_t goid_next = 0;
  std::uint64_t goid_end = 0;
  // Goroutines started on this P minus those that exited on it, written by
  // the owner only (a load and a store, no locked instruction): a G started
  // here and exiting on another P makes one P's count high and the other's
  // low, and only the sum over every P (plus Sched::ngoroutines, for Gs
  // started without a P) means anything. goroutine_count() adds them up.
  std::atomic<std::int64_t> ngoroutines{0};
  static constexpr int kStackCache = 32;
  stack::Stack stacks[kStackCache];
  int nstacks = 0;

  // Thieves inside this P's StealGuard (solo.hpp); on its own cache line,
  // away from the owner's hot fields.
  alignas(64) std::atomic<int> thieves{0};

  // Counters for goro::stats(); written by the owner only.
  std::atomic<std::uint64_t> switches{0};
  std::atomic<std::uint64_t> steals{0};

  void count(std::atomic<std::uint64_t>& c) noexcept { c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
};

}  // namespace goro::sched
