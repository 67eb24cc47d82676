// Switching between goroutines: park, ready, yield, goroutine entry and exit.
// The protocol (sched.hpp): the context giving up the CPU records in its M
// what must happen to it; finish_switch() does that on the next context,
// after the registers are saved.
#include "runtime/sched/internal.hpp"

#include "runtime/debug/fatal.hpp"
#include "runtime/debug/trace.hpp"
#include "runtime/sched/sanitizer.hpp"

#include "runtime/alloc.hpp"

#include <cerrno>
#include <cxxabi.h>
#include <sched.h>

namespace goro::sched {
namespace {

// Moves the thread's exception state and errno into `self` and those of
// `next` (if any) onto the thread, through the addresses the M cached when
// its thread started (m.hpp): no TLS lookups on the switch path.
[[gnu::always_inline]] inline void swap_thread_state(M* m, G* self, G* next) noexcept {
  ExceptionState* eh = m->eh_globals;
  if (self) {
    self->eh = *eh;
    self->saved_errno = *m->errno_location;
  }
  if (next) {
    *eh = next->eh;
    *m->errno_location = next->saved_errno;
  } else {
    *eh = {};
  }
}

// A G gets its stack at its first run: spawned Gs cost no stack until then.
__attribute__((noinline)) void first_run(M* m, G* g) {
  g->stack = stack_get(current_sched(), m->p);
  std::byte* sp = g->stack.start();
  g->context = arch::make_context(sp, std::size_t(sp - g->stack.lo), &g_entry, g);
  if (!g->fiber) g->fiber = sanitizer::create_fiber();
}

// Prepares g to run on m and returns the context to switch to.
[[gnu::always_inline]] inline arch::Context prepare_to_run(M* m, G* g) {
  g->transition(GStatus::runnable, GStatus::running);
  m->curg = g;
  if (debug::trace::on) [[unlikely]]
    debug::trace::g_start(m, g);
  mark_running_g(m);
  P* p = m->p;
  p->schedtick++;
  p->count(p->switches);
  if (!g->context) [[unlikely]]
    first_run(m, g);
  return g->context;
}

[[noreturn]] void goexit(G* g) noexcept {
  M* m = current_m();
  Sched* s = current_sched();
  release_preempt_lock(m, g);  // a preemption lock does not take the thread along
  g->transition(GStatus::running, GStatus::dead);
  if (m->locked_g == g) {
    // Go's rule: a goroutine that exits while locked takes its thread with it
    // (the thread may be in a state nobody else should inherit).
    m->locked_g = nullptr;
    m->lock_count = 0;
    m->exit_thread = true;
  }
  m->after = AfterSwitch::exit;
  m->after_g = g;
  g->fake_stack = nullptr;  // ASan frees the dying G's fake stack (switch_away)
  switch_away(m, g, m->exit_thread ? nullptr : pick_local(s, m));
  __builtin_trap();  // a dead G is never resumed
}

}  // namespace

G* current_g() noexcept {
  M* m = current_m();
  return m ? m->curg : nullptr;
}

namespace {

// Whether m must go through g0 rather than switch G -> G: it has no P, its
// G is locked to it, a G it picked belongs to another M, the runtime is
// stopping, or gomaxprocs is retiring its P (g0 drains it). A yield loop
// that skipped g0 in these cases would keep the P from ever being drained.
bool needs_g0(Sched* s, M* m) noexcept {
  return !m->p || m->locked_g || m->pending_locked || s->stopping.load(std::memory_order_relaxed) ||
         m->p->id >= s->nprocs.load(std::memory_order_relaxed);
}

// g if m may run it; a G locked to another M is parked in m->pending_locked
// instead, for g0 to hand over (start_locked_m).
G* runnable_here(M* m, G* g) noexcept {
  if (g && g->locked_m && g->locked_m != m) {
    m->pending_locked = g;
    return nullptr;
  }
  return g;
}

// p's due timers; the clock is read only when p has a timer at all.
[[gnu::always_inline]] inline void run_due_timers(P* p) noexcept {
  if (p->timers.first() != 0) [[unlikely]]
    run_timers(p, nanotime());
}

// The next G for m from its own P without going through g0 (the global
// queue every 61st tick), or nullptr when m must go to g0. With `timers`, due
// timers run first. A park passes false: it still holds the lock its commit
// will release (a channel's, a timer heap's...), and a timer's callback may
// need that very lock (a ticker sending on the channel being parked on). Its
// next context runs them instead, after the commit (complete_park).
[[gnu::always_inline]] inline G* pick_local_inline(Sched* s, M* m, bool timers) noexcept {
  if (needs_g0(s, m)) return nullptr;
  P* p = m->p;
  if (timers) run_due_timers(p);
  G* g = nullptr;
  if (p->schedtick % 61 == 0 && s->runq.maybe_nonempty()) [[unlikely]] {
    s->lock.lock();
    g = global_get(s, p, 1);
    s->lock.unlock();
  }
  if (!g) g = runq_get(p);
  return runnable_here(m, g);
}

// The parked G's context is saved: it is waiting from now on, and its
// commit releases whatever made the park safe (or readies it again).
[[gnu::always_inline]] inline void complete_park(M* m, G* prev) noexcept {
  prev->wait_since_ns = coarse_nanotime();
  prev->transition(GStatus::running, GStatus::waiting);
  auto commit = m->after_commit;
  void* arg = m->after_arg;
  m->after_commit = nullptr;
  m->after_arg = nullptr;
  if (commit && !commit(prev, arg)) ready(prev);
  if (m->p) run_due_timers(m->p);  // the ones the park skipped (pick_local_inline)
}

__attribute__((noinline)) void check_canary(G* self) noexcept {
  Sched* s = current_sched();
  if (!s->stacks.canary_intact(self->stack))
    debug::fatalf("stack overflow (goroutine %llu, limit %zu KiB): stack canary overwritten",
                  static_cast<unsigned long long>(self->id), s->stacks.stack_size() / 1024);
}

// finish_switch's common cases: nothing to do, a yield's requeue onto the
// P, a park. Returns false, having done nothing, for the rest
// (finish_switch_rare). Inlined into yield and park as well as finish_switch:
// a yield or a channel hand-off completes without a call.
[[gnu::always_inline]] inline bool finish_common(M* m) noexcept {
  AfterSwitch what = m->after;
  if (what == AfterSwitch::nothing) return true;
  G* prev = m->after_g;
  if (what == AfterSwitch::requeue && m->p) {
    m->after = AfterSwitch::nothing;
    m->after_g = nullptr;
    prev->transition(GStatus::running, GStatus::runnable);
    Sched* s = current_sched();
    runq_put(s, m->p, prev, false);
    // Queued, so a P that is idle with nobody looking must get an M to
    // steal it (sched.hpp's wakep rule): the G this M runs now may never
    // switch (no preemption), and a spinner that gave up just before the
    // put did not see it. Queue first, then look (the spinner's dance). A
    // G locked to this M (m->locked_g: prev itself may be stolen, run and
    // freed by now) waits for it alone: stealing it helps nobody.
    if (s->npidle.load(std::memory_order_seq_cst) != 0 && m->locked_g != prev) [[unlikely]]
      wakep(s);
    return true;
  }
  if (what == AfterSwitch::park) {
    m->after = AfterSwitch::nothing;
    m->after_g = nullptr;
    complete_park(m, prev);
    return true;
  }
  return false;
}

// The cases finish_common leaves.
__attribute__((noinline)) void finish_switch_rare(M* m) noexcept;

// What every switch off a running G does before the jump, to `next` or to
// m's g0 when null: m's bookkeeping, the thread state `self` leaves behind
// and the sanitizer fiber. Returns the context to jump to.
[[gnu::always_inline]] inline arch::Context leave_g(M* m, G* self, G* next) noexcept {
  if (debug::trace::on) [[unlikely]]
    debug::trace::g_stop(m, self);
  arch::Context target;
  if (next) {
    target = prepare_to_run(m, next);
  } else {
    m->curg = nullptr;
    mark_g0(m);
    target = m->g0;
  }
  swap_thread_state(m, self, next);
  sanitizer::switch_to_fiber(next ? next->fiber : m->g0_fiber);
  return target;
}

// switch_away's body, inlined into yield and park: a yield or a channel
// hand-off is a handful of loads and stores around one goro_switch.
// same_site: park's call, whose switches mostly resume a G that parked
// through this very call (arch/context.hpp's switch_context_same_site).
[[gnu::always_inline]] inline void switch_away_inline(M* m, G* self, G* next, bool same_site = false) noexcept {
  if (self->stack.guard == stack::GuardKind::canary) [[unlikely]]
    check_canary(self);
  arch::Context target = leave_g(m, self, next);
  // A G leaving for good (exit) has no fake stack to keep.
  void** fake_save = m->after == AfterSwitch::exit ? nullptr : &self->fake_stack;
  if (next)
    sanitizer::start_switch(fake_save, next->stack.lo, next->stack.size());
  else
    sanitizer::start_switch(fake_save, m->g0_stack_lo, m->g0_stack_size);
  if (same_site)
    arch::switch_context_same_site(&self->context, target);
  else
    arch::switch_context(&self->context, target);
#if defined(GORO_ASAN)
  finish_switch();  // ASan's side of the switch first, always
#else
  M* resumed_on = current_m();  // not necessarily m
  if (!finish_common(resumed_on)) finish_switch_rare(resumed_on);
#endif
}

}  // namespace

G* pick_local(Sched* s, M* m) noexcept { return pick_local_inline(s, m, true); }

void switch_away(M* m, G* self, G* next) noexcept { switch_away_inline(m, self, next); }

void preempt_switch(M* m, G* g, arch::Context resume) noexcept {
  // As switch_away to g0, except that g's context is the resume frame the
  // signal handler built, not this (abandoned) handler frame. Tracing (in
  // leave_g) is safe: the handler only stops a G at a safe point, outside
  // libc and the runtime, so no malloc or stdio lock can be held by this
  // thread.
  arch::Context g0 = leave_g(m, g, nullptr);
  g->context = resume;
  arch::Context abandoned = nullptr;
  arch::switch_context(&abandoned, g0);
  __builtin_trap();  // the handler frame is never resumed
}

void execute(M* m, G* g) noexcept {
  arch::Context target = prepare_to_run(m, g);
  swap_thread_state(m, nullptr, g);
  sanitizer::switch_to_fiber(g->fiber);
  sanitizer::start_switch(&m->g0_fake_stack, g->stack.lo, g->stack.size());
  arch::switch_context(&m->g0, target);
  finish_switch();
}

void finish_switch() noexcept {
  M* m = current_m();
  // Every context resumes here (or in g_entry, which calls us first): it is
  // the m->curg just switched to, or g0 when that is null.
#if defined(GORO_ASAN)
  if (m->curg) {
    const void* from_lo = nullptr;
    std::size_t from_size = 0;
    sanitizer::finish_switch(m->curg->fake_stack, &from_lo, &from_size);
    if (!m->g0_stack_lo) {  // the M's first switch is always g0 -> G
      m->g0_stack_lo = from_lo;
      m->g0_stack_size = from_size;
    }
  } else {
    sanitizer::finish_switch(m->g0_fake_stack, nullptr, nullptr);
  }
#endif
  if (!finish_common(m)) finish_switch_rare(m);
}

namespace {

void finish_switch_rare(M* m) noexcept {
  G* prev = m->after_g;
  AfterSwitch what = m->after;
  m->after = AfterSwitch::nothing;
  m->after_g = nullptr;
  switch (what) {
    case AfterSwitch::nothing:
    case AfterSwitch::park:
      break;  // finish_common's
    case AfterSwitch::requeue:  // with no P (finish_common's otherwise)
    case AfterSwitch::requeue_global: {
      Sched* s = current_sched();
      prev->transition(what == AfterSwitch::requeue ? GStatus::running : GStatus::syscall, GStatus::runnable);
      s->lock.lock();
      s->runq.push_locked(prev);
      s->lock.unlock();
      wakep(s);
      break;
    }
    case AfterSwitch::exit:
      free_g(current_sched(), m->p, prev);
      break;
    case AfterSwitch::preempt:
      // Stopped by SIGURG (preempt.cpp). It must resume on this M (its
      // signal frame and its frames' TLS addresses are this thread's), so
      // it is locked to it, as by lock_os_thread, until its next voluntary
      // switch: the lock_os_thread machinery runs it only here, and hands
      // the P to another M for the other Gs meanwhile. It goes to the tail.
      prev->transition(GStatus::running, GStatus::runnable);
      if (!prev->locked_m) take_preempt_lock(m, prev);
      runq_put(current_sched(), m->p, prev, false);
      current_sched()->preemptions.fetch_add(1, std::memory_order_relaxed);
      break;
  }
}

}  // namespace

void g_entry(void* arg) {
  finish_switch();
  G* g = static_cast<G*>(arg);
  g->closure.invoke(g->closure.self);
  g->closure.destroy(g->closure.self);
  if (g->closure.heap) alloc::free(g->closure.self);
  g->closure = {};
  if (g->is_main) {
    Sched* s = current_sched();
    s->main_done.wake();
    // The main goroutine is done: nothing else matters now (Go's main
    // returning). Park for good so shutdown finds this G quiet.
    park(nullptr, nullptr, WaitReason::forever);
  }
  goexit(g);
}

void park(bool (*commit)(G*, void*), void* arg, WaitReason reason) noexcept {
  M* m = current_m();
  G* g = m ? m->curg : nullptr;
  if (!g) debug::fatal("park: not on a goroutine");
  release_preempt_lock(m, g);
  g->wait_reason = reason;
  m->after = AfterSwitch::park;
  m->after_g = g;
  m->after_commit = commit;
  m->after_arg = arg;
  switch_away_inline(m, g, pick_local_inline(current_sched(), m, false), true);
}

void ready(G* g) noexcept {
  Sched* s = current_sched();
  g->transition(GStatus::waiting, GStatus::runnable);
  g->wait_reason = WaitReason::none;
  put_runnable(s, g);
}

void yield() noexcept {
  M* m = current_m();
  G* g = m ? m->curg : nullptr;
  if (!g) {
    sched_yield();
    return;
  }
  release_preempt_lock(m, g);
  Sched* s = current_sched();
  G* next = pick_local_inline(s, m, true);
  if (!next && !needs_g0(s, m)) {
    // Nothing local; the global queue may have work for us.
    if (!s->runq.maybe_nonempty()) return;
    s->lock.lock();
    next = global_get(s, m->p, 0);
    s->lock.unlock();
    if (!next) return;
    next = runnable_here(m, next);
  }
  m->after = AfterSwitch::requeue;
  m->after_g = g;
  switch_away_inline(m, g, next);
}

void lock_os_thread() noexcept {
  M* m = current_m();
  G* g = m ? m->curg : nullptr;
  if (!g) return;  // a plain thread is already its own thread
  g->preempt_locked = false;  // a preemption lock becomes the user's
  m->lock_count++;
  m->locked_g = g;
  g->locked_m = m;
}

void unlock_os_thread() noexcept {
  M* m = current_m();
  G* g = m ? m->curg : nullptr;
  if (!g || m->lock_count == 0) return;  // Go: unlocking an unlocked thread is a no-op
  if (--m->lock_count == 0) {
    m->locked_g = nullptr;
    g->locked_m = nullptr;
  }
}

}  // namespace goro::sched
