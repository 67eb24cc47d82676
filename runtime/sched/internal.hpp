// Pieces of the scheduler shared between its files; not for other layers
// (they use sched.hpp). Functions marked "locked" need Sched::lock held.
#pragma once

#include "runtime/sched/sched.hpp"
#include "runtime/sched/solo.hpp"

namespace goro::sched {

// Run queues (runq.hpp holds the data structures). P owner only. Inline:
// every yield and hand-off goes through them; only overflow is out of line.
void runq_overflow(Sched* s, P* p, G* g) noexcept;
// In solo mode (solo.hpp) runnext and the ring's head take plain stores.
// Only the owner fills runnext; thieves only empty it. So an empty runnext
// stays empty until the owner stores into it, and filling it takes a plain
// (release) store in any mode; replacing a G takes an exchange, or a thief
// could take the old one between our load and store and both would run it.
inline void runq_put(Sched* s, P* p, G* g, bool next) noexcept {
  if (next) {
    G* old = p->runnext.load(std::memory_order_relaxed);
    if (!old || solo(p)) {
      p->runnext.store(g, std::memory_order_release);
    } else {
      old = p->runnext.exchange(g, std::memory_order_acq_rel);
    }
    if (!old) return;
    g = old;  // the previous runnext goes to the tail
  }
  if (!p->runq.push(g)) [[unlikely]]
    runq_overflow(s, p, g);
}
inline G* runq_get(P* p) noexcept {
  const bool alone = solo(p);
  if (G* g = p->runnext.load(std::memory_order_relaxed)) {
    if (alone) {
      p->runnext.store(nullptr, std::memory_order_relaxed);
      return g;
    }
    if ((g = p->runnext.exchange(nullptr, std::memory_order_acq_rel))) return g;
  }
  return p->runq.pop(alone);
}
// A G just made runnable: into this M's runnext (it runs next, as in Go), or
// the global queue from a thread without a P; then wakes an M if needed.
void put_runnable(Sched* s, G* g) noexcept;
G* global_get(Sched* s, P* p, int max) noexcept;           // locked; refills p's ring

// Ps and Ms.
void acquirep(M* m, P* p) noexcept;
P* releasep(M* m) noexcept;
void pidle_put(Sched* s, P* p) noexcept;                   // locked
P* pidle_get(Sched* s) noexcept;                           // locked
bool pidle_take(Sched* s, P* p) noexcept;                  // locked: that P, if idle
void wakep(Sched* s) noexcept;
void startm(Sched* s, P* p, bool spinning) noexcept;
void handoffp(Sched* s, P* p) noexcept;
// Puts m to sleep until it is handed a P; with a deadline, m also wakes then
// (the timer sleeper) and, if still idle, takes an idle P to run timers.
void stopm(Sched* s, M* m, std::int64_t deadline = 0) noexcept;
// Runs every P's due timers; returns the earliest pending deadline (0: none).
std::int64_t run_all_timers(Sched* s, std::int64_t now) noexcept;
// The M thread: runs the scheduler loop on its native stack (g0).
void* mstart(void* arg) noexcept;

// A G stopped by SIGURG is locked to its M (G::preempt_locked) so that it
// resumes there; its next voluntary switch (park, yield, exit, a blocking
// call, lock_os_thread) releases that lock first.
inline void take_preempt_lock(M* m, G* g) noexcept {
  g->locked_m = m;
  m->locked_g = g;
  g->preempt_locked = true;
}
inline void release_preempt_lock(M* m, G* g) noexcept {
  if (!g->preempt_locked) return;
  g->preempt_locked = false;
  g->locked_m = nullptr;
  m->locked_g = nullptr;
}

// Switching (switch.cpp).
G* pick_local(Sched* s, M* m) noexcept;
// Runs `next` (or the M's g0 when null) after saving `self`. Returns when
// self is resumed, possibly on another M.
void switch_away(M* m, G* self, G* next) noexcept;
// From the SIGURG handler: g (m's running G) stops with `resume` as its
// context and m continues on g0. Never returns (preempt.cpp).
[[noreturn]] void preempt_switch(M* m, G* g, arch::Context resume) noexcept;
// Runs on g0: switches into g and returns when g switches back to g0.
void execute(M* m, G* g) noexcept;
// Completes whatever the previous context asked for (M::after*).
void finish_switch() noexcept;
// Releases a dead G's stack and puts it on the P's free list.
void free_g(Sched* s, P* p, G* g) noexcept;
// First code on every goroutine stack. Deliberately not noexcept and without a
// try: an exception escaping the closure must find no handler, so
// std::terminate runs at the throw site and the panic shows that stack.
void g_entry(void* arg);

// Stacks: the P's cache first, then the pool.
stack::Stack stack_get(Sched* s, P* p);
void stack_put(Sched* s, P* p, stack::Stack st) noexcept;

void set_current_sched(Sched* s) noexcept;

}  // namespace goro::sched
