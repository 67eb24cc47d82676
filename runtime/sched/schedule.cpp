// Finding work, and starting and stopping Ms: Go's schedule / findrunnable /
// wakep / startm / stopm / handoffp, on goro's Ms.
#include "runtime/sched/internal.hpp"
#include "runtime/sched/bias.hpp"

#include "runtime/debug/fatal.hpp"
#include "runtime/net/poller.hpp"
#include "runtime/debug/trace.hpp"
#include "runtime/sched/sanitizer.hpp"

#include "runtime/alloc.hpp"

#include <cerrno>
#include <csignal>
#include <cxxabi.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <new>

// used + externally_visible: current_m() reads it from inline asm, which
// link-time optimisation cannot see; it must neither drop nor localise it.
extern "C" {
GORO_TLS_DEFINE(goro::sched::M*, goro_tls_m, nullptr);
}

namespace goro::sched {

void set_current_m(M* m) noexcept { goro_tls_m = m; }

// --- Run queues ----------------------------------------------------------------

void runq_overflow(Sched* s, P* p, G* g) noexcept {
  for (;;) {
    // An array, as the global queue is: no G is touched on the way.
    G* overflow[RunQueue::kOverflow];
    if (p->runq.take_half_for_overflow(g, overflow)) {
      s->lock.lock();
      s->runq.push_all_locked(overflow, RunQueue::kOverflow);
      s->lock.unlock();
      return;
    }
    if (p->runq.push(g)) return;  // a thief made room
  }
}

void put_runnable(Sched* s, G* g) noexcept {
  M* m = current_m();
  if (m && m->p) {
    runq_put(s, m->p, g, true);
  } else {
    s->lock.lock();
    s->runq.push_locked(g);
    s->lock.unlock();
  }
  wakep(s);
}

void inject_glist(Sched* s, GList& gs) noexcept {
  std::int64_t n = gs.size;
  if (n == 0) return;
  for (G* g = gs.head; g; g = g->next) {
    g->transition(GStatus::waiting, GStatus::runnable);
    g->wait_reason = WaitReason::none;
  }
  M* m = current_m();
  if (m && m->p) {
    while (G* g = gs.pop_front()) runq_put(s, m->p, g, false);
    wakep(s);  // a spinner steals what this M will not get to soon
    return;
  }
  s->lock.lock();
  s->runq.push_all_locked(gs);
  s->lock.unlock();
  for (; n > 0 && s->npidle.load(std::memory_order_seq_cst) > 0; --n) startm(s, nullptr, false);
}

G* global_get(Sched* s, P* p, int max) noexcept {
  std::int64_t size = s->runq.size_locked();
  if (size == 0) return nullptr;
  int procs = s->nprocs.load(std::memory_order_relaxed);
  std::int64_t n = size / procs + 1;  // a fair share
  if (n > size) n = size;
  if (max > 0 && n > max) n = max;
  if (n > RunQueue::kSize / 2) n = RunQueue::kSize / 2;
  G* batch[RunQueue::kSize / 2];
  n = s->runq.pop_locked(batch, n);
  for (std::int64_t i = 1; i < n; ++i) runq_put(s, p, batch[i], false);
  return batch[0];
}

// --- Ps --------------------------------------------------------------------------

void acquirep(M* m, P* p) noexcept {
  if (m->p || p->m) debug::fatal("acquirep: P or M already bound");
  m->p = p;
  p->m = m;
  p->status = PStatus::running;
  // A P leaves the idle list: sysmon may be asleep for lack of work.
  if (Sched* s = current_sched()) sysmon_wake_if_sleeping(s->sysmon);
}

P* releasep(M* m) noexcept {
  P* p = m->p;
  if (!p || p->m != m) debug::fatal("releasep: invalid P state");
  p->m = nullptr;
  m->p = nullptr;
  return p;
}

void pidle_put(Sched* s, P* p) noexcept {
  if (p->id >= s->nprocs.load(std::memory_order_relaxed)) {
    p->status = PStatus::retired;
    return;
  }
  p->status = PStatus::idle;
  p->idle_next = s->idle_ps;
  s->idle_ps = p;
  s->npidle.fetch_add(1, std::memory_order_seq_cst);
}

P* pidle_get(Sched* s) noexcept {
  P* p = s->idle_ps;
  if (p) {
    s->idle_ps = p->idle_next;
    p->idle_next = nullptr;
    s->npidle.fetch_sub(1, std::memory_order_seq_cst);
  }
  return p;
}

bool pidle_take(Sched* s, P* p) noexcept {
  for (P** link = &s->idle_ps; *link; link = &(*link)->idle_next) {
    if (*link == p) {
      *link = p->idle_next;
      p->idle_next = nullptr;
      s->npidle.fetch_sub(1, std::memory_order_seq_cst);
      return true;
    }
  }
  return false;
}

// --- Ms --------------------------------------------------------------------------

namespace {

M* newm(Sched* s) {
  void* mem = alloc::aligned(sizeof(M), alignof(M));
  if (!mem) debug::fatal("newm: out of memory");
  M* m = new (mem) M;
  s->lock.lock();
  m->id = s->all_ms.size();
  if (!s->all_ms.append(m)) debug::fatal("newm: out of memory");
  s->mcount++;
  s->lock.unlock();
  m->fastrand = 0x9e3779b9u ^ static_cast<std::uint32_t>(m->id * 2654435761u) ^ 1u;
  return m;
}

// Puts m on the idle list. Locked.
void mput(Sched* s, M* m) noexcept {
  m->idle_next = s->idle_ms;
  s->idle_ms = m;
  s->nmidle++;
}

M* mget(Sched* s) noexcept {
  M* m = s->idle_ms;
  if (m) {
    s->idle_ms = m->idle_next;
    m->idle_next = nullptr;
    s->nmidle--;
  }
  return m;
}

}  // namespace

void startm(Sched* s, P* p, bool spinning) noexcept {
  // Counted so stop() can wait for us; once stopping, start nothing (stop()
  // sets the flag before it waits, so it never misses a startm).
  s->starting_ms.fetch_add(1, std::memory_order_seq_cst);
  struct Done {
    Sched* s;
    ~Done() { s->starting_ms.fetch_sub(1, std::memory_order_seq_cst); }
  } done{s};
  if (s->stopping.load(std::memory_order_seq_cst)) {
    if (spinning) s->nmspinning.fetch_sub(1, std::memory_order_seq_cst);
    return;
  }
  s->lock.lock();
  if (!p) {
    p = pidle_get(s);
    if (!p) {
      s->lock.unlock();
      if (spinning) s->nmspinning.fetch_sub(1, std::memory_order_seq_cst);
      return;
    }
  }
  M* m = mget(s);
  s->lock.unlock();
  if (!m) {
    m = newm(s);
    m->spinning = spinning;
    m->next_p = p;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int rc = pthread_create(&m->thread, &attr, &mstart, m);
    pthread_attr_destroy(&attr);
    if (rc != 0) debug::fatalf("newm: pthread_create failed: %s", std::strerror(rc));
    return;
  }
  m->spinning = spinning;
  m->next_p = p;
  m->park.wake();
  // It may be the M sleeping in epoll_wait (poll_sleep): it publishes itself
  // there before it looks at its note, and we look after waking the note
  // (all seq_cst), so one of us sees the other.
  if (s->poll_sleeper.load(std::memory_order_seq_cst) == m) net::netpoll_break();
}

void wakep(Sched* s) noexcept {
  if (s->npidle.load(std::memory_order_seq_cst) == 0) return;
  int expected = 0;
  if (s->nmspinning.load(std::memory_order_seq_cst) != 0 ||
      !s->nmspinning.compare_exchange_strong(expected, 1, std::memory_order_seq_cst))
    return;
  startm(s, nullptr, true);
}

void handoffp(Sched* s, P* p) noexcept {
  // Work to do: an M for it, now.
  if (!p->runq.empty() || p->runnext.load(std::memory_order_relaxed) || s->runq.maybe_nonempty()) {
    startm(s, p, false);
    return;
  }
  // Nobody is looking for work and no P is idle: this one becomes a spinner's.
  int expected = 0;
  if (s->nmspinning.load() + s->npidle.load() == 0 &&
      s->nmspinning.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)) {
    startm(s, p, true);
    return;
  }
  s->lock.lock();
  if (s->runq.size_locked() != 0) {
    s->lock.unlock();
    startm(s, p, false);
    return;
  }
  pidle_put(s, p);
  s->lock.unlock();
}

namespace {

// Takes m off the idle list if it is still there (locked). False means
// someone took it to hand it a P: their wake is on its way.
bool mtake(Sched* s, M* m) noexcept {
  for (M** link = &s->idle_ms; *link; link = &(*link)->idle_next) {
    if (*link == m) {
      *link = m->idle_next;
      m->idle_next = nullptr;
      s->nmidle--;
      return true;
    }
  }
  return false;
}

void drop_timer_sleeper(Sched* s, M* m) noexcept {
  if (s->timer_sleeper.load() == m) {
    s->timer_sleeper.store(nullptr);
    s->sleep_until.store(0, std::memory_order_seq_cst);
  }
}

// How poll_sleep ended.
enum class PollSleep { woken, timeout, running };

// The idle M's sleep when goroutines wait on the poller: epoll_wait instead
// of the futex, for at most wait ns (< 0: no bound). When the poll readies
// goroutines, m takes an idle P itself if it is still on the idle list and
// runs them (Go's findrunnable after its blocking netpoll): `running`, m
// holds a P. With no P to be had they go to the global queue for busy Ms.
// `woken`: m's note was woken (startm breaks the poll after waking it).
PollSleep poll_sleep(Sched* s, M* m, std::int64_t wait) noexcept {
  s->poll_sleeper.store(m, std::memory_order_seq_cst);  // then woken(): see startm
  const std::int64_t until = wait < 0 ? 0 : nanotime() + wait;
  PollSleep result = PollSleep::timeout;
  GList gs;
  for (;;) {
    if (m->park.woken()) {
      result = PollSleep::woken;
      break;
    }
    std::int64_t left = -1;
    if (until) {
      left = until - nanotime();
      if (left <= 0) break;
    }
    gs = net::netpoll(left);
    if (gs.empty()) continue;
    s->lock.lock();
    P* p = nullptr;
    if (mtake(s, m)) {  // else a P is on its way to us: its wake follows
      p = pidle_get(s);
      if (p) drop_timer_sleeper(s, m);
      else mput(s, m);
    }
    s->lock.unlock();
    if (p) {
      acquirep(m, p);
      result = PollSleep::running;
      break;
    }
    net::make_ready(s, gs);
  }
  s->poll_sleeper.store(nullptr, std::memory_order_seq_cst);
  net::release_poll(nanotime());
  if (result == PollSleep::running) net::make_ready(s, gs);  // into our P's queue
  return result;
}

// Sleeps m, already counted idle (on the idle list, or as a locked M), until
// another M hands it a P in next_p. The timer sleeper also wakes at its
// deadline and, if still on the idle list, takes an idle P itself; a last M
// that could not decide about a deadlock (foreign threads alive) asks again
// now and then, backing off. While goroutines wait on the poller, one idle M
// (not a locked one) sleeps in epoll_wait instead (poll_sleep).
void sleep_m(Sched* s, M* m, std::int64_t deadline, bool recheck) noexcept {
  std::int64_t backoff = 100'000'000;
  for (;;) {
    std::int64_t wait = -1;
    if (deadline) {
      wait = deadline - nanotime();
      if (wait < 0) wait = 0;
    } else if (recheck) {
      wait = backoff;
    }
    const bool poll = wait != 0 && !m->locked_g && net::has_waiters() && net::claim_poll();
    if (poll) {
      PollSleep r = poll_sleep(s, m, wait);
      if (r == PollSleep::running) return;  // off the idle list, with a P and work
      if (r == PollSleep::woken) break;
    } else if (wait < 0) {
      m->park.sleep();
      break;
    } else if (m->park.sleep_for(wait)) {
      break;
    }
    s->lock.lock();
    if (deadline) {
      deadline = 0;
      if (mtake(s, m)) {
        drop_timer_sleeper(s, m);
        if (P* p = pidle_get(s)) {
          s->lock.unlock();
          acquirep(m, p);  // back to find_runnable, which runs the due timers
          return;
        }
        mput(s, m);  // every P is busy, and busy Ms run their timers
      }
    } else {
      recheck = check_dead(s);
      if (backoff < 1'000'000'000) backoff *= 2;
    }
    s->lock.unlock();
  }
  m->park.clear();
  if (s->timer_sleeper.load(std::memory_order_relaxed) == m) {
    s->lock.lock();
    drop_timer_sleeper(s, m);
    s->lock.unlock();
  }
  if (P* p = m->next_p) {
    m->next_p = nullptr;
    acquirep(m, p);
  }
}

}  // namespace

void stopm(Sched* s, M* m, std::int64_t deadline) noexcept {
  if (m->p) debug::fatal("stopm: holding a P");
  s->lock.lock();
  mput(s, m);
  bool recheck = check_dead(s);
  s->lock.unlock();
  sleep_m(s, m, deadline, recheck);
}

std::int64_t run_all_timers(Sched* s, std::int64_t now) noexcept {
  std::int64_t earliest = 0;
  int n = s->nprocs.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    std::int64_t next = run_timers(s->allp[i], now);
    if (next != 0 && (earliest == 0 || next < earliest)) earliest = next;
  }
  return earliest;
}

// --- Finding work -----------------------------------------------------------------

namespace {

// Takes the spinning state off m; if it was the last spinner and work may
// remain, another M starts looking (no lost wake-ups, Go's resetspinning).
void reset_spinning(Sched* s, M* m) noexcept {
  if (!m->spinning) return;
  m->spinning = false;
  if (s->nmspinning.fetch_sub(1, std::memory_order_seq_cst) == 1) wakep(s);
}

G* steal_work(Sched* s, M* m) noexcept {
  P* self = m->p;
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    int n = s->nprocs.load(std::memory_order_acquire);
    // Visit every P once, starting at a random one, with a stride coprime to
    // n (here: 1, but starting offset random) so thieves spread out.
    std::uint32_t start = m->rand();
    for (int k = 0; k < n; ++k) {
      P* victim = s->allp[(start + k) % n];
      if (!victim || victim == self || victim->status != PStatus::running) continue;
      StealGuard guard(victim);
      if (!guard) continue;  // solo: asked to leave it, next round may steal
      if (G* g = victim->runq.steal_into(self->runq)) {
        self->count(self->steals);
        if (debug::trace::on) [[unlikely]]
          debug::trace::steal(m, g, victim);
        return g;
      }
      // Last round: the victim's runnext too, but give its owner a moment to
      // run it first (it usually is about to: a hand-off just happened), and
      // take it only if it is still the G we saw. In a chain of hand-offs
      // runnext is rarely empty, yet each G in it runs within microseconds:
      // taking whatever sits there after the pause would move the chain (and
      // its working set) to our thread every time, for nothing.
      if (G* seen = victim->runnext.load(std::memory_order_relaxed); seen && round == kRounds - 1) {
        usleep(3);
        if (G* g = seen; victim->runnext.compare_exchange_strong(g, nullptr, std::memory_order_acq_rel)) {
          self->count(self->steals);
          if (debug::trace::on) [[unlikely]]
            debug::trace::steal(m, g, victim);
          return g;
        }
      }
    }
  }
  return nullptr;
}

// Moves a retiring P's work (gomaxprocs shrank) to the global queue.
void retire_p(Sched* s, M* m) noexcept {
  P* p = m->p;
  GList gs;
  while (G* g = runq_get(p)) gs.push_back(g);
  const bool moved = !gs.empty();  // push_all_locked empties gs
  s->lock.lock();
  s->runq.push_all_locked(gs);
  releasep(m);
  p->status = PStatus::retired;
  s->lock.unlock();
  if (moved) wakep(s);
}

// Go's findrunnable: local work, global queue, stealing, then sleep. Returns
// nullptr only when the runtime is stopping.
G* find_runnable(Sched* s, M* m) noexcept {
  for (;;) {
    if (s->stopping.load(std::memory_order_relaxed)) return nullptr;
    if (!m->p) {
      // An M without a P is not looking for work: it must not count as a
      // spinner while asleep, or wakep() would wait for it forever.
      reset_spinning(s, m);
      stopm(s, m);
      continue;
    }
    P* p = m->p;
    const int nprocs = s->nprocs.load(std::memory_order_relaxed);
    if (p->id >= nprocs) {
      retire_p(s, m);
      continue;
    }
    // Due timers first, on every P: the Gs they ready land in our runnext.
    std::int64_t now = nanotime();
    if (nprocs == 1) {
      try_enter_solo(p);
      bias::try_grant(now);  // the only P's thread: its channel locks need no CAS
    }
    run_all_timers(s, now);
    // Fairness: now and then the global queue comes first.
    if (p->schedtick % 61 == 0 && s->runq.maybe_nonempty()) {
      s->lock.lock();
      G* g = global_get(s, p, 1);
      s->lock.unlock();
      if (g) return g;
    }
    if (G* g = runq_get(p)) return g;
    if (s->runq.maybe_nonempty()) {
      s->lock.lock();
      G* g = global_get(s, p, 0);
      s->lock.unlock();
      if (g) return g;
    }
    // The poller, without blocking, unless an M already blocks in it.
    if (net::has_waiters() && net::last_poll() != 0) {
      GList gs = net::netpoll(0);
      if (!gs.empty()) {
        net::make_ready(s, gs);  // into our P's queue
        continue;
      }
    }
    // Steal, unless enough Ms are spinning already (at most half the busy Ps).
    int procs = s->nprocs.load(std::memory_order_relaxed);
    if (m->spinning || 2 * s->nmspinning.load() < procs - s->npidle.load()) {
      if (!m->spinning) {
        m->spinning = true;
        s->nmspinning.fetch_add(1, std::memory_order_seq_cst);
      }
      if (G* g = steal_work(s, m)) return g;
    }
    // Nothing: give up the P and sleep.
    s->lock.lock();
    if (s->runq.size_locked() != 0) {
      G* g = global_get(s, p, 0);
      s->lock.unlock();
      return g;
    }
    releasep(m);
    pidle_put(s, p);
    s->lock.unlock();
    // Stop spinning before the last look. Whoever queues a G does so before
    // its wakep() reads nmspinning (both seq_cst): either it sees 0 and
    // wakes an M, or our look below sees its G (the other half of Go's
    // delicate dance). The look covers the global queue too: a G queued
    // there while we still counted as spinning would otherwise be stranded.
    bool was_spinning = m->spinning;
    if (was_spinning) {
      m->spinning = false;
      s->nmspinning.fetch_sub(1, std::memory_order_seq_cst);
      int n = s->nprocs.load(std::memory_order_acquire);
      for (int i = -1; i < n; ++i) {
        bool work = i < 0 ? s->runq.maybe_nonempty()
                          : s->allp[i] && (!s->allp[i]->runq.empty() || s->allp[i]->runnext.load(std::memory_order_seq_cst));
        if (work) {
          s->lock.lock();
          P* again = pidle_get(s);
          s->lock.unlock();
          if (again) {
            acquirep(m, again);
            m->spinning = true;
            s->nmspinning.fetch_add(1, std::memory_order_seq_cst);
          }
          break;
        }
      }
      if (m->p) continue;
    }
    // Sleep, but no longer than the earliest timer, if no other M already
    // sleeps until before it. add_timer reads sleep_until after publishing
    // its deadline, and we look at the deadlines after publishing ours, so
    // a timer added meanwhile either sees us or is seen by us.
    std::int64_t deadline = 0;
    if (std::int64_t next = run_all_timers(s, nanotime())) {
      s->lock.lock();
      std::int64_t until = s->sleep_until.load(std::memory_order_seq_cst);
      if (!s->timer_sleeper.load() || until == 0 || next < until) {
        s->timer_sleeper.store(m);
        s->sleep_until.store(next, std::memory_order_seq_cst);
        deadline = next;
      }
      s->lock.unlock();
      if (deadline) {
        std::int64_t again = run_all_timers(s, nanotime());
        if (again != 0 && again < deadline) deadline = again;
      }
    }
    stopm(s, m, deadline);
  }
}

// m's locked G is not runnable: hand the P to someone else and sleep until
// the locked G is given back to us, with a P (Go's stoplockedm).
void stop_locked_m(Sched* s, M* m) noexcept {
  if (m->p) handoffp(s, releasep(m));
  s->lock.lock();
  s->nmidle_locked++;
  bool recheck = check_dead(s);
  s->lock.unlock();
  sleep_m(s, m, 0, recheck);
  s->lock.lock();
  s->nmidle_locked--;
  s->lock.unlock();
}

// g is locked to another M: give it our P and stop (Go's startlockedm).
// g travels in the owner's M, never through a run queue: a queued G could be
// stolen and handed over a second time.
void start_locked_m(Sched* s, M* m, G* g) noexcept {
  M* owner = g->locked_m;
  P* p = releasep(m);
  owner->next_p = p;
  owner->handoff_g.store(g, std::memory_order_release);
  owner->park.wake();
  stopm(s, m);
}

}  // namespace

void* mstart(void* arg) noexcept {
  M* m = static_cast<M*>(arg);
  set_current_m(m);
  m->eh_globals = reinterpret_cast<ExceptionState*>(__cxxabiv1::__cxa_get_globals());
  m->errno_location = &errno;
  m->g0_fiber = sanitizer::current_fiber();
  m->tid.store(static_cast<int>(gettid()), std::memory_order_release);
  stack::ensure_signal_stack();  // also where the SIGURG handler runs (preempt.hpp)
  {
    // Ms inherit the mask of whoever started them: SIGURG must get through.
    sigset_t urg;
    sigemptyset(&urg);
    sigaddset(&urg, SIGURG);
    pthread_sigmask(SIG_UNBLOCK, &urg, nullptr);
    // An M started by sysmon (a retake's hand-off) would inherit its name.
    char name[16] = {};
    if (pthread_getname_np(pthread_self(), name, sizeof name) == 0 && std::strcmp(name, "goro-sysmon") == 0)
      pthread_setname_np(pthread_self(), "goro-m");
  }
  Sched* s = current_sched();
  if (P* p = m->next_p) {
    m->next_p = nullptr;
    acquirep(m, p);
  }
  for (;;) {
    if (m->exit_thread) {
      // Its locked goroutine exited: this thread goes too (Go's rule).
      if (m->p) handoffp(s, releasep(m));
      s->lock.lock();
      s->mcount--;
      s->lock.unlock();
      m->tid.store(0, std::memory_order_release);
      break;
    }
    if (G* g = m->pending_locked) {
      m->pending_locked = nullptr;
      start_locked_m(s, m, g);
      continue;
    }
    if (m->locked_g) {
      // This M runs its locked G and nothing else.
      G* lg = m->locked_g;
      if (s->stopping.load()) break;
      // Due timers first (a preempted locked G comes back here every time
      // slice, and the Gs its timers ready must get their turn).
      if (m->p) run_all_timers(s, nanotime());
      // It may have yielded (or been preempted) into our own run queue: run it from there.
      G* g = m->p ? runq_get(m->p) : nullptr;
      if (g == lg) {
        execute(m, lg);
        continue;
      }
      // Someone else's: it stays queued for other Ms, at the front (runnext),
      // or the M we hand the P to could find our G first, hand it straight
      // back, and never get to g (a livelock preemption exposed).
      if (g) runq_put(s, m->p, g, true);
      // Give the P away and sleep until another M hands lg back with a P.
      // The hand-off is taken only here, holding the P that came with it: an
      // M that took it while still holding its own P would leave the handed
      // P stranded in next_p, and the next hand-off would lose it.
      stop_locked_m(s, m);
      if (G* handed = m->handoff_g.exchange(nullptr, std::memory_order_acquire); handed && m->p) execute(m, handed);
      continue;
    }
    G* g = find_runnable(s, m);
    if (!g) break;
    reset_spinning(s, m);
    if (g->locked_m && g->locked_m != m) {
      start_locked_m(s, m, g);
      continue;
    }
    execute(m, g);
  }
  // Stopping: leave quietly; stop() joins us and frees the runtime.
  if (m->p) releasep(m);
  if (debug::trace::on) [[unlikely]]
    debug::trace::m_exit(m);
  m->tid.store(0, std::memory_order_release);
  set_current_m(nullptr);
  return nullptr;
}

}  // namespace goro::sched
