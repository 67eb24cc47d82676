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
//    GORODEBUG=preemptmodules=libA.so:libB.so adds those shared objects'
//    code (by file name, loaded at start; never goro's own library) for
//    programs whose hot loops live in a library known to take no locks.
//
// Resume method (both architectures; the pictures and invariants are in
// arch/x86_64/preempt.S and arch/aarch64/preempt.S, the code that differs
// in preempt_x86_64.cpp and preempt_aarch64.cpp behind preempt_arch.hpp):
// the kernel's signal frame is copied onto the goroutine's stack below the
// interrupted stack pointer, leaving 128 bytes untouched (x86-64: the
// ucontext and the whole XSAVE area, below the red zone; AArch64: the whole
// rt_sigframe with its __reserved records and any extra_context block,
// whose pointer is moved with the copy), a switch frame whose resume
// address is goro_sigresume is put under it, and the handler switches to
// g0 without returning. Resuming the G runs finish_switch() and then
// rt_sigreturn on the copy: every register, the flags, the vector state
// (XSAVE; FPSIMD/SVE, FPSR, FPCR) and the signal mask come back bit-exact.
// AArch64 has no free register to inject a call with, so rt_sigreturn is
// the method on both. AArch64 is verified under qemu-aarch64 only (no arm64
// hardware here): qemu builds and parses signal frames itself (with SVE
// and SME records for its default CPU, an extra_context block with
// sve-default-vector-length=256), checked by the tests.
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
// Unannotated system calls (a plain read() in a goroutine, as third-party
// code does; syscall_handoff_supported()): sysmon sees the M's thread CPU clock stand still while its
// goroutine runs, confirms the thread sleeps in the kernel (blocked.hpp) and
// sends SIGURG with M::syscall_req (request_syscall_handoff). The handler
// is installed with SA_RESTART (as it was for preemption alone: a SIGURG
// that finds no safe point must not turn a goroutine's blocking read into
// EINTR), so the kernel rewinds a restartable call it interrupts
// (read, write, futex, accept, wait4...) to its system call instruction
// with the call's registers back: from there the thread is about to make
// system call RAX(rdi, rsi, rdx, r10, r8, r9) after `syscall` on x86-64
// (RAX back to the number), x8(x0, ..., x5) after `svc #0` on AArch64 (x0
// back to the first argument). If the G is at such an
// instruction, at a point that passes the safe-point tests above except that
// frames outside the main executable (libc, other libraries) are allowed,
// and the call is not one that depends on its caller's frame or on what
// rt_sigreturn restores (reissue_denied: rt_sigreturn, clone, fork, execve,
// exit, sigaltstack, rt_sigprocmask...), the handler copies the signal
// frame as above and returns into goro_syscall_trampoline
// (arch/ARCH/preempt.S) on the G's stack instead. That makes the call
// inside enter_blocking/exit_blocking (syscall.cpp, goro_implicit_syscall),
// so sysmon's retake hands the P off after 20 us and other goroutines run;
// then it stores the result where the instruction would have (x86-64:
// RAX, with RCX and R11 as `syscall` leaves them; AArch64: x0; the PC
// after it) and
// rt_sigreturns the copy. Registers, vector state, mask and errno come
// back bit-exact: to the caller the call just took long. The G never
// leaves the thread (libc keeps per-thread state across the call, such as
// the cancellation type): if no P is free when the call returns, it is
// locked to its M like a preempted G.
//
// Calls the signal ends with EINTR instead of a restart: for nanosleep,
// clock_nanosleep, poll, epoll_wait and epoll_pwait (AArch64, whose libc
// polls with ppoll and waits with epoll_pwait: nanosleep, clock_nanosleep,
// ppoll and epoll_pwait), sysmon also reads the
// call from /proc/self/task/TID/syscall (number, arguments, return
// address) into M::blocked_call; a handler that finds that very call just
// returned -EINTR (same PC, registers and system call instruction before
// it; on AArch64 x0 holds the result, and the first argument comes back
// from M::blocked_call) hands it off as a rewound one, and the trampoline resumes it: a relative sleep with a
// `rem` pointer for the remainder the kernel wrote there, anything else
// (absolute sleeps, sleeps without `rem`, poll and epoll timeouts) as it
// was, so those last a millisecond or two longer than asked, never less.
// Other such calls (select, ppoll on x86-64, reads with SO_RCVTIMEO...) return EINTR
// to their caller, as Go's preemption signal makes them do, and are not
// handed off; sysmon backs off while their G stays blocked.
//
// Runtime code runs on the thread while its libc frames are suspended in
// the call (the hand-off, and g0 while the G waits for a P): it takes no
// libc lock but the allocator's and the thread library's, when g0 starts a
// new M (wakep). A libc routine does not hold those across a blocking
// system call; the one window is a request that finds the thread, no
// longer blocked, at a `syscall` inside such a routine (sysmon's reading
// went stale in the microseconds before the signal, and the thread was
// interrupted exactly at a `syscall` instruction). A resumed EINTR call
// also swallows an EINTR that one of the program's own signals caused at
// the same moment. Off wherever preemption is: Options::preempt false
// (sysmon sends no request) and the builds below.
//
// Unsupported (preempt_supported() false, preemption off): the
// Boost.Context switch backend (the resume frame is a goro_switch frame),
// ThreadSanitizer builds (TSan defers asynchronous signals and hands the
// handler a copy of the context, which cannot be resumed), ASan builds,
// executables without a symbol table (preempt_arch.hpp has the test).
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
// True when unannotated system calls are handed off: wherever preemption
// works (the same as preempt_supported(), kept as its own question).
bool syscall_handoff_supported() noexcept;
// Sends m a preemption request (sysmon). False if m is gone.
bool preempt_m(Sched* s, M* m) noexcept;
// Asks m to hand its P off for the system call its goroutine is blocked in
// (sysmon, when it saw the thread asleep in the kernel). False if m is gone.
bool request_syscall_handoff(Sched* s, M* m) noexcept;

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
