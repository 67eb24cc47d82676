// The goro scheduler: Go's G/M/P model for C++.
//
//   G  a goroutine: a closure, a stack (allocated at its first run) and a
//      saved context. g.hpp.
//   M  an OS thread. It runs the scheduler loop on its own native stack (Go's
//      g0) and, from there, goroutines on theirs. m.hpp.
//   P  the right to run goroutines; `procs` of them (GOMAXPROCS). A P owns a
//      local run queue, a runnext slot, and caches of free Gs and stacks. p.hpp.
//
// Invariants a reader must keep:
//  - A P is held by at most one M, and only an M holding a P runs goroutines
//    or touches P-owned state (run queue tail, runnext writes, caches).
//  - A G runs on at most one M. A G that stops running (yield, park, exit)
//    stays unavailable to every other M until its registers are saved: what
//    must happen to it (requeue, mark waiting and run the park commit, free)
//    is recorded in the M (M::after*) and done by finish_switch() on the next
//    context's stack, right after the switch.
//  - Switches go G -> G directly when the P has local work (one switch per
//    yield or hand-off), and G -> g0 when it does not: only g0 steals, sleeps
//    the M or hands the P away, so no M ever blocks on a goroutine's stack.
//  - At most procs/2 Ms spin looking for work (Sched::nmspinning). wakep()
//    starts a spinner only when a P is idle and nobody spins; a spinner that
//    finds work and was the last one wakes another (Go's "delicate dance"),
//    so work made ready is never left with an idle P and no M looking.
//  - The current M is read through current_m(), never a cached thread-local
//    address: after any switch the code may be running on another thread.
//  - sysmon (sysmon.hpp), a thread with no P, retakes Ps left in the
//    `syscall` state by goro::blocking (syscall.cpp: whoever CASes a P out
//    of that state owns it) and preempts long-running Gs with SIGURG
//    (preempt.hpp); a preempted G is locked to its M until its next
//    voluntary switch, and resumes there. A G blocked in a system call
//    without goro::blocking gets the same SIGURG, whose handler makes the
//    call again inside enter_blocking/exit_blocking (preempt.hpp,
//    "Unannotated system calls"), so its P is retaken like any other.
//
// Lock order: Sched::lock, then Sched::allg_lock. The free-G pool's lock
// (gfree.hpp) is a leaf: nothing is taken while it is held. None is held
// across a context switch. Channel and sync locks (later layers) are taken
// before Sched::lock and released by park() commit functions after the switch.
//
// Failure reporting (runtime/debug): an impossible state is a runtime bug
// and ends the process with `fatal error: ...` (Go's throw); an exception
// escaping a goroutine is a panic (exit 2); a run() whose goroutines can
// never run again is `fatal error: all goroutines are asleep - deadlock!`.
#pragma once

#include "runtime/sched/futex.hpp"
#include "runtime/sched/g.hpp"
#include "runtime/sched/m.hpp"
#include "runtime/sched/mlist.hpp"
#include "runtime/sched/p.hpp"
#include "runtime/sched/runq.hpp"
#include "runtime/sched/sysmon.hpp"
#include "runtime/stack/stack.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace goro::sched {

struct Config {
  int procs = 1;
  std::size_t stack_size = 256 * 1024;
  bool preempt = true;
  std::chrono::microseconds time_slice{10000};
  bool deadlock_detect = true;
};

struct Sched {
  static constexpr int kMaxProcs = 1024;

  explicit Sched(const Config& c);
  ~Sched();

  Config config;
  stack::StackPool stacks;

  // Guarded by `lock`: the global run queue, idle Ps, idle Ms, appends to the
  // M list (read without it). The free-G pool has a lock of its own. The
  // lock, the queue (its size is written at every push and pop) and the idle
  // lists (npidle is read at every spawn, by wakep) each have a cache line of
  // their own: with two Ps busy, a write to one must not take the others'
  // line from the other core.
  alignas(64) Lock lock;
  alignas(64) GlobalQueue runq;
  alignas(64) P* idle_ps = nullptr;
  std::atomic<int> npidle{0};
  M* idle_ms = nullptr;
  int nmidle = 0;
  int nmidle_locked = 0;           // Ms asleep until their locked G is runnable
  MList all_ms;                    // every M ever started (joined at shutdown)
  int mcount = 0;                  // Ms alive
  alignas(64) GPool free_gs;       // dead Gs the P caches spilled (its own lock; gfree.hpp)
  alignas(64) std::atomic<int> nmspinning{0};

  P* allp[kMaxProcs] = {};
  // Ps ever created: written under lock after the entry it counts, read
  // without it (with acquire) by whoever walks every P ever made.
  std::atomic<int> allp_len{0};
  // gomaxprocs: Ps with id < nprocs are live. set_procs publishes new
  // allp entries before storing it, so a walk of allp[0, nprocs) loads it
  // with acquire (a relaxed load could see an entry before its write).
  std::atomic<int> nprocs{0};

  // Every G ever allocated, for dumps and the deadlock check.
  alignas(64) Lock allg_lock;
  G* allg = nullptr;

  // Goroutines started from threads without a P; each P counts its own
  // (P::ngoroutines). goroutine_count() sums them. Ids come from next_goid
  // in per-P batches (P::goid_next). Both on a line of their own, away from
  // `stopping` and nprocs, which every switch reads.
  alignas(64) std::atomic<std::int64_t> ngoroutines{0};
  std::atomic<std::uint64_t> next_goid{1};
  alignas(64) std::atomic<bool> stopping{false};
  // startm() calls in flight: stop() waits for them before it joins and frees
  // Ms (a new M is published before its thread id is written).
  std::atomic<int> starting_ms{0};

  // run(): the main goroutine and the thread waiting for it.
  G* main_g = nullptr;
  Note main_done;

  // Threads outside the runtime currently blocked inside a goro call (a
  // channel operation from a std::thread): they can still make a G runnable.
  std::atomic<int> foreign_waiters{0};
  // Something will wake a G later without any M running (timers, poller
  // waiters). Maintained by those layers; the deadlock check respects it.
  std::atomic<int> pending_wakeups{0};
  // The idle M that sleeps until the earliest timer (0 / null: none). Any
  // timer added before sleep_until wakes an M (timers.hpp).
  std::atomic<std::int64_t> sleep_until{0};
  std::atomic<M*> timer_sleeper{nullptr};  // written under lock
  // The idle M blocked in epoll_wait instead of on its futex (at most one,
  // runtime/net/poller.hpp): waking it takes a netpoll_break() too.
  std::atomic<M*> poll_sleeper{nullptr};

  // Threads of the runtime's own that are not Ms (GORODEBUG=schedtrace's):
  // the deadlock check counts them as ours, not as foreign threads.
  std::atomic<int> helper_threads{0};

  std::atomic<std::uint64_t> syscall_handoffs{0};  // Ps retaken from a system call by sysmon
  std::atomic<std::uint64_t> preemptions{0};       // goroutines stopped by SIGURG
  std::atomic<std::uint64_t> preempt_requests{0};  // SIGURGs sysmon sent (some find no safe point)
  // Unannotated blocking system calls: SIGURGs sysmon sent to Ms it saw
  // blocked in the kernel, and the calls the handler turned into blocking()
  // ones (preempt.hpp, "Unannotated system calls"). Their P hand-offs count
  // in syscall_handoffs.
  std::atomic<std::uint64_t> implicit_syscall_requests{0};
  std::atomic<std::uint64_t> implicit_syscalls{0};

  Sysmon sysmon;  // sysmon.hpp
};

// The running runtime, or nullptr. One at a time per process.
Sched* current_sched() noexcept;
// The running runtime; throws std::logic_error saying so when there is none.
Sched* running_sched();
[[noreturn]] void throw_no_runtime();

// --- Goroutines --------------------------------------------------------------

// Allocates an idle G with a fresh id whose closure the caller fills in.
// Throws std::logic_error if no runtime is running.
G* new_g(Sched* s);
// Makes a filled-in G runnable: into the current P's runnext when called from
// a goroutine, else into the global queue; wakes an M if one is needed.
void start_g(Sched* s, G* g) noexcept;
// Frees a G that was never started (its closure failed to construct).
void discard_g(Sched* s, G* g) noexcept;
// Goroutines started and not yet exited (runtime.NumGoroutine): the sum of
// the per-P counts, read without a lock, so while Gs start and exit on other
// Ps it may be off by those in flight (never below 0). Async-signal-safe.
std::int64_t goroutine_count(Sched* s) noexcept;

// The running G, or nullptr on a thread that is not running a goroutine.
G* current_g() noexcept;

// --- Parking (Go's gopark / goready) ------------------------------------------

// Parks the running G with `reason`. After the G's context is saved,
// commit(g, arg) runs on another context: it typically releases the lock
// that guards the wait queue the G was put on, so a waker can only find the
// G once it is safe to resume. If commit returns false the G is made
// runnable again at once. commit may be null (nothing to release).
void park(bool (*commit)(G* g, void* arg), void* arg, WaitReason reason) noexcept;
// Makes a parked G runnable (into runnext when called from a goroutine: a
// hand-off runs next). Callable from any thread, goroutine or not.
void ready(G* g) noexcept;
// runtime.Gosched(): lets other runnable goroutines run.
void yield() noexcept;
// Makes every G of gs (all parked) runnable at once (Go's injectglist): into
// the current P's queue when there is one, else the global queue, starting
// an M for each idle P. The poller hands its ready Gs over this way.
void inject_glist(Sched* s, GList& gs) noexcept;

// --- System calls ------------------------------------------------------------

// goro::blocking(): Go's entersyscall / exitsyscall. The P stays with the M
// in a syscall state; sysmon retakes it after 20 us (syscall.cpp).
void enter_blocking() noexcept;
void exit_blocking() noexcept;

// --- Thread affinity ---------------------------------------------------------

void lock_os_thread() noexcept;
void unlock_os_thread() noexcept;

// --- Whole runtime -------------------------------------------------------------

// Starts a runtime (one at a time) and returns it; stops and frees it.
Sched* start(const Config& c);
void stop(Sched* s) noexcept;
// Runs g as the main goroutine and blocks the calling thread until it returns.
void run_main(Sched* s, G* g);
int set_procs(Sched* s, int n) noexcept;  // returns the previous value

// Deadlock check, called with s->lock held when an M goes idle. Returns true
// when it could not decide (foreign threads are alive) and wants to be asked
// again later; never returns if the runtime is deadlocked.
bool check_dead(Sched* s) noexcept;

// Monotonic nanoseconds, the clock of timers (and of std::chrono::steady_clock).
std::int64_t nanotime() noexcept;

// The same clock as last read by anyone, for one relaxed load: what a
// goroutine dump needs to say how long a G has waited, stamped on every park
// (a clock_gettime per park cost more than the rest of the park). Every
// nanotime() call refreshes it when it is 1 ms old, and the scheduler reads
// the clock whenever an M looks for work or sleeps, so while anything parks
// it lags by at most the longest a goroutine runs without the clock being
// read. Dumps print waits in minutes.
extern std::atomic<std::int64_t> coarse_clock;
inline std::int64_t coarse_nanotime() noexcept { return coarse_clock.load(std::memory_order_relaxed); }

}  // namespace goro::sched
