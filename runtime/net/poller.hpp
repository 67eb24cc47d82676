// The network poller: Go's netpoll on edge-triggered epoll.
//
// Every non-blocking fd the runtime waits on has one PollDesc (Go's
// pollDesc) with two waiter slots, one for a reader and one for a writer.
// A slot holds one of
//
//   kPdNil    nobody waits and no readiness is remembered
//   kPdReady  the fd became ready while nobody waited; the next wait returns at once
//   kPdWait   a G is about to park here (its context is not saved yet)
//   a G*      that G is parked here
//
// and moves only by CAS, so a readiness edge is never lost between a
// syscall's EAGAIN and the park:
//
//   waiter:  nil -> wait, park; commit (after the switch) CASes wait -> G.
//            If the CAS fails, readiness or an error arrived meanwhile and
//            the G is made runnable at once (park's commit returns false).
//   waker:   (netpoll, close, a deadline) swaps the slot to ready (I/O) or
//            nil (errors) and readies the G it found, if any.
//
// The epoll registration is made once, for reading and writing, edge-
// triggered: an edge that nobody waits for is remembered as kPdReady. Every
// operation tries its syscall first and waits only after EAGAIN, except a
// TCP read or send right after one that drained the socket, which waits at
// once while no edge has come since (the drain skip, fd.cpp; read_edges,
// write_edges and no_skip below exist for it).
//
// Goroutines parked on the poller count in Sched::pending_wakeups (the
// deadlock check treats them as live: a peer may still send) from just before
// their slot holds them until they are runnable again.
//
// Who polls (runtime/sched/schedule.cpp):
//  - an M looking for work polls without blocking when goroutines wait here
//    and no M is blocked in epoll_wait (last_poll() != 0);
//  - one idle M at a time sleeps in epoll_wait instead of its futex, bounded
//    by the next timer (claim_poll()/release_poll()); whoever hands it a P
//    or stops the runtime breaks it out with netpoll_break();
//  - sysmon calls poll_if_stale() so that I/O is noticed within ~10 ms even
//    when every M is busy running goroutines.
//
// The poller is process-wide and created on first use (one epoll fd and one
// eventfd, never closed). PollDescs are never freed, only recycled: an event
// may still name one after its fd was closed, so epoll's data carries a
// 16-bit generation checked against the descriptor's.
#pragma once

#include "runtime/sched/sched.hpp"
#include "runtime/sched/timers.hpp"

#include <atomic>
#include <cstdint>

namespace goro::net {

inline constexpr std::uintptr_t kPdNil = 0;
inline constexpr std::uintptr_t kPdReady = 1;
inline constexpr std::uintptr_t kPdWait = 2;

enum class Mode : std::uint8_t { read, write };

// What a wait ended with. `ready` may be spurious: the caller retries its
// syscall and waits again on EAGAIN.
enum class WaitResult : std::uint8_t { ready, closing, timeout };

struct PollDesc {
  int fd = -1;
  std::atomic<std::uintptr_t> rg{kPdNil};
  std::atomic<std::uintptr_t> wg{kPdNil};
  std::atomic<bool> closing{false};
  // Deadlines in nanotime(): 0 none, -1 already past, else when.
  std::atomic<std::int64_t> rd{0};
  std::atomic<std::int64_t> wd{0};
  std::atomic<std::uint32_t> generation{0};
  // Readiness edges netpoll has seen for reading (EPOLLIN, EPOLLRDHUP,
  // EPOLLPRI, EPOLLHUP, EPOLLERR) and for writing (EPOLLOUT, EPOLLHUP,
  // EPOLLERR): incremented (release) before the slot is updated for the
  // same event, so a reader that finds the count unchanged since before a
  // draining syscall knows no edge has been handed out since (fd.cpp's
  // drain skip relies on it). Never reset: only equality is compared.
  std::atomic<std::uint32_t> read_edges{0};
  std::atomic<std::uint32_t> write_edges{0};
  // Sticky: netpoll saw urgent data (EPOLLPRI: a short TCP read stops at
  // the urgent mark with data behind it), the peer's shutdown (EPOLLRDHUP:
  // a short read may have consumed the FIN, and end of stream never edges
  // again), a hang-up or an error. Stored before the edge count and the
  // slot; the drain skip is off for good once it is set.
  std::atomic<bool> no_skip{false};
  // Serialises set_deadline() (held across del_timer/add_timer). Lock order:
  // this, then a timer heap. The timer functions never take it.
  sched::Lock deadline_lock;
  sched::Timer read_timer;
  sched::Timer write_timer;
  PollDesc* next = nullptr;  // free list, or the list of open descriptors
  PollDesc* prev = nullptr;

  std::atomic<std::uintptr_t>& slot(Mode m) noexcept { return m == Mode::read ? rg : wg; }
  std::atomic<std::int64_t>& deadline(Mode m) noexcept { return m == Mode::read ? rd : wd; }
  std::atomic<std::uint32_t>& edges(Mode m) noexcept { return m == Mode::read ? read_edges : write_edges; }
};

// --- Descriptors (the socket layer, runtime/net/fd.*) ---------------------------

// Registers a non-blocking fd. Throws std::system_error (errno from epoll_ctl;
// EPERM for a regular file, which epoll cannot watch).
PollDesc* poll_open(int fd);
// Unregisters and recycles pd. The fd must not be closed yet, nobody may wait
// on pd, and nobody may use it afterwards.
void poll_close(PollDesc* pd) noexcept;
// Marks pd closing and wakes both waiters; their waits return `closing`.
void poll_evict(PollDesc* pd) noexcept;
// Before an operation's first syscall (Go's pollReset): the error the
// operation must fail with now (closing, deadline past), or `ready`; forgets
// a remembered readiness, since the syscall comes next anyway.
WaitResult poll_prepare(PollDesc* pd, Mode m) noexcept;
// After EAGAIN: parks the calling goroutine until pd is ready for m, closed,
// or past its deadline. A thread that is not a goroutine blocks in poll(2)
// (in slices of at most 20 ms, rechecking close and the deadline).
WaitResult poll_wait(PollDesc* pd, Mode m) noexcept;
// Sets the deadline for reading and/or writing: 0 clears it; a time not in
// the future fails current and later waits with `timeout` at once. Deadlines
// fire through the timer heaps when a runtime is running; a thread that is
// not a goroutine checks its own deadline while it waits.
void poll_set_deadline(PollDesc* pd, std::int64_t when, bool read, bool write) noexcept;

// --- The scheduler's side (runtime/sched) -----------------------------------------

// Goroutines are parked on the poller (Go's netpollWaiters > 0).
bool has_waiters() noexcept;
// When the poller was last polled (nanotime); 0 while an M blocks in epoll_wait.
std::int64_t last_poll() noexcept;
// Makes the caller the one M that may block in epoll_wait: true if nobody
// else is. It must call release_poll() when done.
bool claim_poll() noexcept;
void release_poll(std::int64_t now) noexcept;
// Polls: delay_ns < 0 blocks until an event or netpoll_break(), 0 does not
// block, > 0 blocks at most that long. Returns the goroutines made ready
// (still waiting: make_ready() makes them runnable). May return nothing
// early (a break, a signal, a stale event).
sched::GList netpoll(std::int64_t delay_ns) noexcept;
// Makes Gs returned by netpoll() runnable (into the caller's P, else the
// global queue, starting Ms for idle Ps) and settles their pending wake-ups.
void make_ready(sched::Sched* s, sched::GList& gs) noexcept;
// Wakes the M blocked in epoll_wait, if any (a no-op before the poller exists).
void netpoll_break() noexcept;

// For sysmon (runtime/sched/sysmon.*, Go's sysmon netpoll step): if
// goroutines wait on the poller and nobody has polled for stale_ns (Go uses
// 10 ms), polls without blocking and makes the ready goroutines runnable
// through the global queue, starting Ms for idle Ps. Safe from any thread,
// with or without a P, while the runtime runs. Returns how many it readied.
std::int64_t poll_if_stale(sched::Sched* s, std::int64_t now, std::int64_t stale_ns = 10'000'000) noexcept;

// stop(): the runtime s is going away (every M joined, s still current).
// Forgets every goroutine parked on the poller (abandoned, like the rest)
// and cancels the deadline timers that live in s's heaps.
void forget_runtime(sched::Sched* s) noexcept;

}  // namespace goro::net
