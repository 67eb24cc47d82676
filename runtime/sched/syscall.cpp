// goro::blocking(): Go's entersyscall / exitsyscall.
//
// Entering, the M keeps its P but leaves it in the `syscall` state with a
// timestamp, and stops using it: M::p is cleared (the P is remembered in
// M::syscall_p), so any runtime call made from inside the blocking function
// behaves as from a thread with no P. sysmon retakes a P that has been in a
// system call for 20 us (sysmon.cpp, retake_syscalls) with a CAS out of the
// `syscall` state and hands it off (handoffp): other goroutines run on
// another M while this thread sits in the kernel. A short call costs no
// hand-off at all.
//
// Leaving: the fast path takes the old P back with a CAS from `syscall` to
// `running` if sysmon has not retaken it. Otherwise this M owns no P and
// touches no P-owned state until it has one: it takes its old P if it is on
// the idle list, else any idle P, else queues the G globally and sleeps.
// Whoever wins the CAS owns the P; the loser never writes it.
//
// A locked M (lock_os_thread) keeps its P across the call, as before: its
// thread runs nothing else anyway.
//
// Unannotated calls (preempt.hpp, "Unannotated system calls"): a plain
// read() that sysmon caught blocking is made again by goro_implicit_syscall,
// below, between enter_blocking and exit_blocking, on the thread that was
// making it. Leaving, a G that finds no P is locked to its M before it
// queues (as a preempted G is): it must come back to this thread, where its
// libc frames and the signal frame it resumes belong. Off where preemption
// is (the Boost backend, sanitizers, Options::preempt false).
#include "runtime/sched/internal.hpp"

#include "runtime/debug/fatal.hpp"
#include "runtime/debug/trace.hpp"

#include "runtime/sched/preempt_arch.hpp"

#include <cerrno>
#include <cstdint>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>

namespace goro::sched {

void enter_blocking() noexcept {
  M* m = current_m();
  G* g = m->curg;
  release_preempt_lock(m, g);  // a voluntary switch point
  g->transition(GStatus::running, GStatus::syscall);
  if (m->locked_g) return;
  P* p = m->p;
  if (!p) debug::fatal("entersyscall: no P");
  // The P is nobody's while in the syscall state: whoever CASes it out owns
  // it, and that need not be us (sysmon may hand it to an M whose G enters
  // a system call in turn; coming back, we may then win that P back).
  p->m = nullptr;
  m->p = nullptr;
  m->syscall_p = p;
  mark_g0(m);  // not running Go code: no preemption requests while in the kernel
  p->syscall_when.store(nanotime(), std::memory_order_relaxed);
  p->status.store(PStatus::syscall, std::memory_order_release);  // publishes the P's state to sysmon
  // Traced here, on this M's buffer: the P is up for hand-off from now on
  // (sysmon, which has no trace buffer, does the retake itself).
  if (debug::trace::on) [[unlikely]]
    debug::trace::syscall_handoff(m, g, p);
}

namespace {

// exit_blocking; `stay`: the G must resume on this thread (an unannotated
// call's trampoline frame is on its stack).
void exit_blocking_on(bool stay) noexcept {
  M* m = current_m();
  G* g = m->curg;
  Sched* s = current_sched();
  if (m->locked_g) {
    g->transition(GStatus::syscall, GStatus::running);
    return;
  }
  P* old = m->syscall_p;
  m->syscall_p = nullptr;
  PStatus expected = PStatus::syscall;
  if (old->status.compare_exchange_strong(expected, PStatus::running, std::memory_order_acq_rel)) {
    m->p = old;
    old->m = m;
    g->transition(GStatus::syscall, GStatus::running);
    mark_running_g(m);
    return;
  }
  // sysmon retook it. Until acquirep below we own no P.
  if (!s->stopping.load(std::memory_order_relaxed)) {
    s->lock.lock();
    P* p = (old->status.load() == PStatus::idle && pidle_take(s, old)) ? old : pidle_get(s);
    s->lock.unlock();
    if (p) {
      acquirep(m, p);
      if (debug::trace::on) [[unlikely]]
        debug::trace::syscall_return(m, g, true);
      g->transition(GStatus::syscall, GStatus::running);
      mark_running_g(m);
      return;
    }
  }
  // No P to be had: queue the G globally and let this M sleep. The G must be
  // switched out before anyone can see it in the queue (finish_switch).
  if (debug::trace::on) [[unlikely]]
    debug::trace::syscall_return(m, g, false);
  if (stay) {
    // Locked as a preempted G is: whoever dequeues it hands it (with a P)
    // back to this M, which waits as a locked M meanwhile; its next
    // voluntary switch releases the lock.
    take_preempt_lock(m, g);
  }
  m->after = AfterSwitch::requeue_global;
  m->after_g = g;
  switch_away(m, g, nullptr);
}

}  // namespace

void exit_blocking() noexcept { exit_blocking_on(false); }

#if GORO_ASYNC_PREEMPT
namespace {
// A call a signal ended with EINTR, made again (preempt.cpp,
// resumable_after_eintr): a relative sleep with a `rem` pointer for what the
// kernel wrote there; an absolute sleep, a sleep without `rem`, a poll or an
// epoll wait as it was (ppoll, AArch64's poll, has had its timeout
// rewritten with the time left). Those last ones start over: nothing tells
// how long the interrupted call had already waited (sysmon's readings do not
// prove that the call it saw is the one the signal ended), so they wait
// longer than asked by the time before the hand-off, never less.
void resume_args(long nr, long a[6]) noexcept {
  if (nr == SYS_nanosleep && a[1] != 0) {
    a[0] = a[1];
  } else if (nr == SYS_clock_nanosleep && !(a[1] & TIMER_ABSTIME) && a[3] != 0) {
    a[2] = a[3];
  }
}
}  // namespace
#endif

// Called by goro_syscall_trampoline (arch/ARCH/preempt.S) on the G's stack
// with the copy of the signal frame taken at a system call instruction
// (preempt_arch::copy's address: x86-64, the ucontext; AArch64, the
// rt_sigframe). Defined in every build with the asm switch: the assembly is
// linked even where the hand-off is off (nothing calls it there).
extern "C" void goro_implicit_syscall(void* frame) noexcept {
#if GORO_ASYNC_PREEMPT
  int saved_errno = errno;  // the G's: the runtime calls below may change it
  ucontext_t* uc = preempt_arch::copied_ucontext(reinterpret_cast<std::uintptr_t>(frame));
  M* m = current_m();
  const bool resume = m->resume_call;
  m->resume_call = false;
  current_sched()->implicit_syscalls.fetch_add(1, std::memory_order_relaxed);
  long nr = -1;
  long a[6];
  preempt_arch::syscall_call(uc, nr, a);
  if (resume) resume_args(nr, a);
  enter_blocking();
  long ret = preempt_arch::raw_syscall(nr, a);
  exit_blocking_on(true);
  preempt_arch::complete_syscall(uc, ret);
  errno = saved_errno;
#else
  (void)frame;
  debug::fatal("goro_implicit_syscall: no system call hand-off in this build");
#endif
}

}  // namespace goro::sched
