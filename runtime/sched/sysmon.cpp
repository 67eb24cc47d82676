// sysmon (sysmon.hpp): Go's sysmon loop, retake() and preemption requests.
#include "runtime/sched/sysmon.hpp"

#include "runtime/net/poller.hpp"

#include "runtime/sched/blocked.hpp"
#include "runtime/sched/internal.hpp"
#include "runtime/sched/preempt.hpp"

#include "runtime/debug/fatal.hpp"

#include <pthread.h>
#include <csignal>

#include <algorithm>
#include <cstring>
#include <vector>

namespace goro::sched {

namespace {
// The default hook: runtime/net polls without blocking if goroutines wait on
// it and no M has polled for 10 ms (every M busy running goroutines).
void poll_network(Sched* s) { net::poll_if_stale(s, nanotime()); }
}  // namespace

std::atomic<NetpollHook> sysmon_poll_network{&poll_network};

namespace {

constexpr std::int64_t kMinDelay = 20'000;        // 20 us
constexpr std::int64_t kMaxDelay = 10'000'000;    // 10 ms
constexpr std::int64_t kRetakeAfter = 20'000;     // a syscall older than one tick
constexpr std::int64_t kPollEvery = 10'000'000;   // network poll if nobody did for 10 ms
constexpr std::int64_t kResignal = 1'000'000;     // SIGURG again at most every 1 ms (half a slice if shorter)
constexpr std::int64_t kStillFor = 20'000;        // a CPU clock standing still this long: blocked?
constexpr std::int64_t kBusyDelay = 1'000'000;    // longest tick while goroutines run (hand-off latency)
constexpr std::int64_t kHandoffRetryMax = 64'000'000;  // back-off between refused hand-off requests

// What sysmon last saw of one M (indexed by M::id); sysmon-private.
struct MRecord {
  std::uint32_t seq = 0;
  std::int64_t since = 0;        // when seq was first seen
  std::int64_t last_signal = 0;
  // Unannotated system calls: the thread's CPU clock at the last sample
  // (-1: none for this seq), when it was read, and when a refused hand-off
  // request may be repeated (the retry delay doubles while the same G stays
  // blocked where the handler cannot hand it off, e.g. in nanosleep).
  std::int64_t cpu_ns = -1;
  std::int64_t cpu_at = 0;
  std::int64_t handoff_next = 0;
  std::int64_t handoff_retry = kResignal;
};

// Retakes Ps from system calls (Go's retake, the syscall half).
int retake_syscalls(Sched* s, std::int64_t now) noexcept {
  int acted = 0;
  int n = s->nprocs.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    P* p = s->allp[i];
    if (!p || p->status.load(std::memory_order_acquire) != PStatus::syscall) continue;
    std::int64_t when = p->syscall_when.load(std::memory_order_relaxed);
    if (now - when < kRetakeAfter) continue;
    // As Go: a P with no work while others look for work can wait a while
    // (the M may come back and keep it, which is cheaper than a hand-off).
    bool work = !p->runq.empty() || p->runnext.load(std::memory_order_relaxed) || p->timers.first() != 0;
    if (!work && s->nmspinning.load() + s->npidle.load() > 0 && now - when < kMaxDelay) continue;
    PStatus expected = PStatus::syscall;
    if (!p->status.compare_exchange_strong(expected, PStatus::idle, std::memory_order_acq_rel)) continue;
    // Ours now (p->m is already null). The M in the system call still names
    // it in syscall_p but touches nothing of it (syscall.cpp).
    s->syscall_handoffs.fetch_add(1, std::memory_order_relaxed);
    handoffp(s, p);
    ++acted;
  }
  return acted;
}

// Unannotated blocking (preempt.hpp): m has run the same goroutine since the
// last round. If its thread's CPU clock has not moved across kStillFor and
// the thread sleeps in a system call (blocked.hpp), ask its SIGURG handler to
// hand the system call off. One clock read per running M per round; /proc
// only when the clock stood still.
int check_blocked(Sched* s, M* m, MRecord& r, std::int64_t now) noexcept {
  int tid = m->tid.load(std::memory_order_acquire);
  if (tid == 0) return 0;
  std::int64_t prev = r.cpu_ns, prev_at = r.cpu_at;
  r.cpu_ns = thread_cpu_ns(tid);
  r.cpu_at = now;
  if (prev < 0 || r.cpu_ns != prev) return 0;
  r.cpu_at = prev_at;  // still since then
  if (now - prev_at < kStillFor || now < r.handoff_next) return 0;
  BlockedCall call;  // also for the handler: a call the signal ends with EINTR
  if (!thread_syscall(tid, call)) return 0;  // runnable after all, or not in a call
  r.handoff_next = now + r.handoff_retry;
  r.handoff_retry = std::min(2 * r.handoff_retry, kHandoffRetryMax);
  m->blocked_call = call;  // published by request_syscall_handoff's release store
  return request_syscall_handoff(s, m) ? 1 : 0;
}

// Asks Ms whose goroutine has run longer than the time slice to preempt it,
// and Ms whose goroutine blocks in an unannotated system call to hand it off.
int request_preemptions(Sched* s, std::int64_t now, std::vector<MRecord>& recs, bool& running) noexcept {
  const int nms = s->all_ms.size();  // the Ms published so far (mlist.hpp)
  if (recs.size() < static_cast<std::size_t>(nms)) recs.resize(static_cast<std::size_t>(nms));
  const bool preempt = s->config.preempt && preempt_supported();
  const std::int64_t slice = static_cast<std::int64_t>(s->config.time_slice.count()) * 1000;
  int acted = 0;
  for (int i = 0; i < nms; ++i) {
    M* m = s->all_ms[i];
    MRecord& r = recs[static_cast<std::size_t>(i)];  // i == m->id
    std::uint32_t seq = m->run_seq.load(std::memory_order_acquire);
    if ((seq & 1u) == 0 || seq != r.seq) {
      r = MRecord{.seq = seq, .since = now};
      running |= (seq & 1u) != 0;
      if (preempt && (seq & 1u) != 0) check_blocked(s, m, r, now);  // the first sample
      continue;
    }
    running = true;
    if (preempt) acted += check_blocked(s, m, r, now);
    if (!preempt || now - r.since < slice || now - r.last_signal < std::min(kResignal, slice / 2)) continue;
    r.last_signal = now;
    if (preempt_m(s, m)) ++acted;
  }
  return acted;
}

void* sysmon_main(void* arg) noexcept {
  Sched* s = static_cast<Sched*>(arg);
  Sysmon& sm = s->sysmon;
  // Preemption must never hit this thread (it is not an M: the handler
  // ignores it anyway, but the signal would interrupt its sleeps).
  std::vector<MRecord> recs;
  std::int64_t delay = kMinDelay;
  int idle = 0;
  std::int64_t last_poll = nanotime();
  while (sm.sleeping.load(std::memory_order_acquire) != 2) {
    if (idle == 0) {
      delay = kMinDelay;
    } else if (idle > 50) {
      delay *= 2;
    }
    if (delay > kMaxDelay) delay = kMaxDelay;
    futex_wait(sm.sleeping, 0, delay);  // returns early when told to stop
    if (sm.sleeping.load(std::memory_order_acquire) == 2) break;
    sm.wakeups.fetch_add(1, std::memory_order_relaxed);
    // Nothing runs: sleep until a P leaves the idle list (sysmon.hpp).
    if (s->npidle.load(std::memory_order_seq_cst) >= s->nprocs.load(std::memory_order_seq_cst)) {
      std::uint32_t awake = 0;
      if (sm.sleeping.compare_exchange_strong(awake, 1, std::memory_order_seq_cst)) {
        if (s->npidle.load(std::memory_order_seq_cst) >= s->nprocs.load(std::memory_order_seq_cst)) {
          sm.idle_sleeps.fetch_add(1, std::memory_order_relaxed);
          while (sm.sleeping.load(std::memory_order_acquire) == 1) futex_wait(sm.sleeping, 1);
        }
        std::uint32_t asleep = 1;
        sm.sleeping.compare_exchange_strong(asleep, 0, std::memory_order_seq_cst);
      }
      idle = 0;
      last_poll = nanotime();
      continue;
    }
    std::int64_t now = nanotime();
    if (now - last_poll >= kPollEvery) {
      last_poll = now;
      if (NetpollHook poll = sysmon_poll_network.load(std::memory_order_acquire)) poll(s);
    }
    bool running = false;
    int acted = retake_syscalls(s, now);
    acted += request_preemptions(s, now, recs, running);
    idle = acted ? 0 : idle + 1;
    // While goroutines run, look often enough to catch a slice's end within
    // a fifth of a slice, and a goroutine blocked in an unannotated system
    // call within a millisecond or two (its P does nothing meanwhile).
    if (running && s->config.preempt) {
      std::int64_t cap = static_cast<std::int64_t>(s->config.time_slice.count()) * 1000 / 5;
      if (preempt_supported()) cap = std::min(cap, kBusyDelay);
      if (cap < kMinDelay) cap = kMinDelay;
      if (delay > cap) delay = cap;
    }
  }
  return nullptr;
}

}  // namespace

void sysmon_wake_slow(Sysmon& sm) noexcept {
  std::uint32_t asleep = 1;
  if (sm.sleeping.compare_exchange_strong(asleep, 0, std::memory_order_seq_cst)) futex_wake(sm.sleeping, 1);
}

void sysmon_start(Sched* s) {
  Sysmon& sm = s->sysmon;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  // No SIGURG here: preemption signals are for Ms only.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGURG);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  int rc = pthread_create(&sm.thread, &attr, &sysmon_main, s);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pthread_attr_destroy(&attr);
  if (rc != 0) debug::fatalf("sysmon: pthread_create failed: %s", std::strerror(rc));
  pthread_setname_np(sm.thread, "goro-sysmon");  // here, so it is named once start() returns
  sm.started = true;
}

void sysmon_stop(Sched* s) noexcept {
  Sysmon& sm = s->sysmon;
  if (!sm.started) return;
  sm.sleeping.store(2, std::memory_order_seq_cst);
  futex_wake(sm.sleeping, 1);
  pthread_join(sm.thread, nullptr);
  sm.started = false;
}

}  // namespace goro::sched
