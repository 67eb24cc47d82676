// Whether another thread of this process sits blocked in the kernel, as
// sysmon sees it from outside (sysmon.cpp, "unannotated system calls").
//
// Two readings, cheap then sure:
//  - thread_cpu_ns: the thread's CPU clock (the kernel's per-thread
//    CLOCK_THREAD_CPUTIME, built from its tid as pthread_getcpuclockid does;
//    about 0.5 us). A thread that executes anything advances it, so a clock
//    that stands still across an interval means the thread did not run at
//    all in it: blocked, or runnable but waiting for a CPU.
//  - thread_syscall: /proc/self/task/TID/syscall, which the kernel fills in
//    only for a thread that sleeps (any state but runnable): the system call
//    it is blocked in, with its arguments and the address after its
//    `syscall` instruction; "running" for a runnable thread, scheduled or
//    not. So it tells the blocked thread from one the host did not schedule,
//    which the clock alone cannot (on this VM it misread 0.03-1.3% of
//    running threads as stopped), and gives the SIGURG handler what it needs
//    for the calls a signal ends with EINTR rather than restarts: it can only
//    tell those apart from any other return by what sysmon saw.
// Neither reading is atomic with anything: the thread may wake a moment
// later. Callers use them as a hint that is acted on safely (the SIGURG
// handler re-checks everything on the thread itself).
#pragma once

#include <cstdint>

namespace goro::sched {

// A system call a thread sits in, as /proc shows it.
struct BlockedCall {
  long nr = -1;  // -1: none
  std::uint64_t args[6] = {};
  std::uint64_t pc = 0;  // the address after its `syscall` instruction
};

// The CPU time thread `tid` of this process has used, in ns; -1 if it is gone.
std::int64_t thread_cpu_ns(int tid) noexcept;
// The system call thread `tid` of this process sleeps in right now, or false
// if it is runnable (running or waiting for a CPU), sleeps outside a system
// call, or is gone.
bool thread_syscall(int tid, BlockedCall& call) noexcept;

}  // namespace goro::sched
