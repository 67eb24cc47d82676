// Asynchronous preemption: SIGURG to an M whose goroutine ran past its time
// slice, and a handler that stops the goroutine only at a safe point.
//
// Safe point (all must hold, else the handler returns and sysmon retries):
//  - the M runs a goroutine with a P, that goroutine is `running` (not in
//    goro::blocking), and the M is not between a switch and finish_switch;
//  - the thread holds no runtime Lock (runtime_locks_held, counted by Lock)
//    and the M is in no NoPreempt scope (M::no_preempt);
//  - the interrupted stack pointer is on the goroutine's own stack, and the
//    handler runs on the M's alternate signal stack;
//  - the interrupted PC and every return address up to the goroutine's
//    entry, unwound from the signal context with libunwind, lie in the main
//    executable and outside runtime functions (goro:: code compiled into the
//    runtime, found by name in the executable's symbol table at start): so
//    no libc lock, malloc arena, loader lock or runtime invariant is held.
//
// Resume method (x86-64), documented with its invariants in
// arch/x86_64/preempt.S: the kernel's signal frame (ucontext and the whole
// XSAVE area) is copied onto the goroutine's stack below its red zone, a
// switch frame whose resume address is goro_sigresume is pushed under it,
// and the handler switches to g0 without returning. Resuming the G runs
// finish_switch() and then rt_sigreturn on the copy: every register, flags,
// the vector state and the signal mask come back bit-exact.
//
// A preempted G resumes on the same M until its next voluntary switch: the
// saved frame restores the thread's alternate-stack settings, and frames of
// the G may hold addresses of this thread's TLS, or own a thread's lock
// (DESIGN.md, "Preemption"). It is locked to its M as by lock_os_thread
// (G::preempt_locked) and queued on its P: the lock_os_thread machinery runs
// it only on that M, which meanwhile hands its P to another M for the other
// goroutines (so a user lock the G holds is never waited for on its own
// thread). Its next voluntary switch (park, yield, exit, blocking call,
// lock_os_thread) releases that lock (release_preempt_lock). Each
// preemption with other work pending thus costs two M hand-offs.
//
// Unsupported (preempt_supported() false, preemption off): AArch64 (not yet:
// see the note in preempt.cpp), the Boost.Context switch backend (the resume
// frame is a goro_switch frame), ThreadSanitizer builds (TSan defers
// asynchronous signals and hands the handler a copy of the context, which
// cannot be resumed), ASan builds, executables without a symbol table.
#pragma once

namespace goro::sched {

struct Sched;
struct M;

// Installs the SIGURG handler and reads the symbol table; called by start().
// The handler is installed in every build, preemption or not: it also
// answers goroutine dumps' trace requests (tracereq.hpp).
void preempt_init() noexcept;
// True when asynchronous preemption works in this process.
bool preempt_supported() noexcept;
// Sends m a preemption request (sysmon). False if m is gone.
bool preempt_m(Sched* s, M* m) noexcept;

// No asynchronous preemption of the current M while alive.
class NoPreempt {
 public:
  NoPreempt() noexcept;
  ~NoPreempt();
  NoPreempt(const NoPreempt&) = delete;
  NoPreempt& operator=(const NoPreempt&) = delete;

 private:
  M* m_;
};

}  // namespace goro::sched
