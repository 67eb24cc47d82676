// sysmon: Go's system monitor. A thread with no P, started by start() and
// joined by stop(), that watches the running Ms from outside:
//  - retakes a P left in a system call (goro::blocking) for more than 20 us
//    and hands it to another M (syscall.cpp has the other half);
//  - asks an M whose goroutine has run longer than Config::time_slice to
//    preempt it (SIGURG, preempt.hpp);
//  - asks an M whose goroutine sits blocked in a system call nobody wrapped
//    in goro::blocking (its thread's CPU clock stood still, blocked.hpp) to
//    hand that call off (SIGURG, preempt.hpp "Unannotated system calls");
//  - polls the network when nobody has for 10 ms (a hook the poller fills in).
//
// Cadence: every 20 us while something happens, doubling after 50 quiet
// rounds up to 10 ms (time_slice/5 and at most 1 ms while goroutines run and
// preemption is on, so a spinner is seen soon after its slice ends and a
// goroutine blocked in the kernel within a millisecond or two). When every P is idle the
// runtime has nothing to watch: sysmon sleeps on a futex with no timeout and
// an idle process burns no CPU. acquirep() wakes it (sysmon_wake) whenever a P
// leaves the idle list, which is the only way work can start again.
//
// Wake-up protocol (no lost wake-up): sysmon stores Sysmon::sleeping = 1,
// then re-reads Sched::npidle; acquirers decrement npidle, then read
// `sleeping`. Both seq_cst, so either sysmon sees the busy P or the acquirer
// sees the sleeper.
#pragma once

#include <atomic>
#include <cstdint>
#include <pthread.h>

namespace goro::sched {

struct Sched;

struct Sysmon {
  pthread_t thread{};
  std::atomic<bool> started{false};
  // 0 awake; 1 asleep until woken (futex word); 2 told to stop.
  std::atomic<std::uint32_t> sleeping{0};
  std::atomic<std::uint64_t> wakeups{0};      // rounds run (for tests)
  std::atomic<std::uint64_t> idle_sleeps{0};  // times it slept for lack of work
};

// Network-poll hook (issue: runtime/net). The poller sets it to a function
// that polls without blocking and readies the Gs whose I/O is ready; sysmon
// calls it when nobody has polled for 10 ms. Null: no poller.
// The network poll sysmon runs every 10 ms: runtime/net's poll_if_stale by
// default; tests may swap it (and put the old one back).
using NetpollHook = void (*)(Sched* s);
extern std::atomic<NetpollHook> sysmon_poll_network;

void sysmon_start(Sched* s);
void sysmon_stop(Sched* s) noexcept;  // after Sched::stopping is set
// Called when a P leaves the idle list; cheap when sysmon is awake.
inline void sysmon_wake_if_sleeping(Sysmon& sm) noexcept;
void sysmon_wake_slow(Sysmon& sm) noexcept;

inline void sysmon_wake_if_sleeping(Sysmon& sm) noexcept {
  if (sm.sleeping.load(std::memory_order_seq_cst) == 1) sysmon_wake_slow(sm);
}

}  // namespace goro::sched
