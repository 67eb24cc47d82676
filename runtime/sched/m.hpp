// M: an OS thread. See sched.hpp.
#pragma once

#include "arch/context.hpp"
#include "runtime/sched/blocked.hpp"
#include "runtime/sched/futex.hpp"
#include "runtime/sched/tls.hpp"
#include "runtime/sched/g.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <pthread.h>

namespace goro::sched {

struct P;
struct TraceRequest;

// What the context that just lost the CPU asked to have done with it. It can
// only be done after the switch, on the next context's stack: until then its
// registers are not saved and nobody else may run it (DESIGN.md, G, M, P).
enum class AfterSwitch : std::uint8_t {
  nothing,
  requeue,  // yield(): back to the tail of the P's run queue
  park,     // park(): mark waiting, then run the commit function
  exit,     // the G finished: free its stack and recycle it
  requeue_global,  // leaving blocking() with no P to be had: to the global queue
  preempt,  // stopped by SIGURG: locked to this M until its next voluntary switch (preempt.hpp)
};

struct alignas(64) M {
  int id = 0;
  pthread_t thread{};
  arch::Context g0 = nullptr;      // the scheduler loop on the thread's own stack
  void* g0_fiber = nullptr;        // its sanitizer fiber (TSan builds only)
  // ASan builds only: g0's fake stack while switched out, and g0's stack
  // range, learnt from ASan at the M's first switch (always g0 -> G).
  void* g0_fake_stack = nullptr;
  const void* g0_stack_lo = nullptr;
  std::size_t g0_stack_size = 0;
  G* curg = nullptr;               // the G running on this M, if any
  P* p = nullptr;                  // the P held, if any
  G* locked_g = nullptr;           // lock_os_thread(): the only G this M may run
  bool spinning = false;           // looking for work while holding a P (Sched::nmspinning)
  bool exit_thread = false;        // its locked G exited: the thread goes with it (Go's rule)
  int lock_count = 0;              // lock_os_thread() nesting
  G* pending_locked = nullptr;     // picked on the fast path but locked to another M
  // Our locked G, handed over by another M (start_locked_m). Read by this M
  // in its loop while the hander writes it, so atomic; next_p, by contrast,
  // is only read after the wake-up that publishes it.
  std::atomic<G*> handoff_g{nullptr};
  Note park;                       // sleeps here when idle (stopm)
  M* idle_next = nullptr;          // link in Sched::idle_ms
  P* next_p = nullptr;             // P handed over by whoever woke us (startm)
  P* syscall_p = nullptr;          // the P left in the syscall state by enter_blocking

  // Preemption (preempt.hpp, sysmon.hpp).
  std::atomic<int> tid{0};         // the thread's kernel id, for tgkill; 0 once it exited
  // Odd while a goroutine runs on this M, even while g0 (or a system call)
  // does; changes at every switch. sysmon times a G's slice by it.
  std::atomic<std::uint32_t> run_seq{0};
  std::atomic<bool> preempt_req{false};  // sysmon asked; the handler clears it
  // sysmon saw this M's goroutine blocked in the kernel outside goro::blocking:
  // the handler turns the system call into a blocking() one (preempt.hpp).
  std::atomic<bool> syscall_req{false};
  // The call sysmon saw it blocked in (blocked.hpp), written before it sets
  // syscall_req and read by the handler after taking it (sysmon waits at
  // least 1 ms between two requests to one M). resume_call: set by the
  // handler for its trampoline on this thread when the call is one the
  // signal ended with EINTR and it resumes (not a rewound, restartable one).
  BlockedCall blocked_call;
  bool resume_call = false;
  int no_preempt = 0;              // >0: no asynchronous preemption on this M
  bool in_preempt = false;         // the SIGURG handler is running
  // A dump's request for curg's trace, answered by the SIGURG handler (tracereq.hpp).
  std::atomic<TraceRequest*> trace_req{nullptr};
  std::uint32_t fastrand = 0;
  void* trace = nullptr;           // GORO_TRACE's event buffer (debug/trace.cpp), if tracing

  // This thread's C++ exception state (libstdc++'s __cxa_eh_globals, laid
  // out as ExceptionState) and errno, cached at thread start: the switch
  // moves a G's copies in and out without TLS lookups.
  ExceptionState* eh_globals = nullptr;
  int* errno_location = nullptr;

  // Filled in by the context switching away, consumed by finish_switch().
  AfterSwitch after = AfterSwitch::nothing;
  G* after_g = nullptr;
  bool (*after_commit)(G*, void*) = nullptr;
  void* after_arg = nullptr;

  std::uint32_t rand() noexcept {
    // xorshift32: only for steal order and select fairness.
    std::uint32_t x = fastrand;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return fastrand = x;
  }
};

// M::run_seq: a goroutine starts running on m / m returns to g0 (or enters
// a system call). Relaxed load, release store: only m writes it.
inline void mark_running_g(M* m) noexcept {
  std::uint32_t s = m->run_seq.load(std::memory_order_relaxed);
  m->run_seq.store((s + 2) | 1u, std::memory_order_release);
}
inline void mark_g0(M* m) noexcept {
  std::uint32_t s = m->run_seq.load(std::memory_order_relaxed);
  m->run_seq.store((s + 1) & ~1u, std::memory_order_release);
}

void set_current_m(M* m) noexcept;

}  // namespace goro::sched

// The M of this thread. Defined (initial-exec TLS) in schedule.cpp; read only
// through current_m().
GORO_TLS_DECLARE(goro::sched::M*, goro_tls_m);

namespace goro::sched {

// current_m(): the M running on this thread, or nullptr on a thread that is
// not an M. Never cached across a switch (DESIGN.md, "Reading current
// G/M/P"; tls.hpp): after a G resumes it may be on another thread.
GORO_TLS_READER(current_m, M*, goro_tls_m)

}  // namespace goro::sched
