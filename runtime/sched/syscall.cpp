// goro::blocking(): Go's entersyscallblock / exitsyscall. The caller knows
// it is about to block, so its P is handed off at once: other goroutines run
// on another M while this thread sits in the kernel.
#include "runtime/sched/internal.hpp"

#include "runtime/debug/fatal.hpp"
#include "runtime/debug/trace.hpp"

namespace goro::sched {

void enter_blocking() noexcept {
  M* m = current_m();
  G* g = m->curg;
  Sched* s = current_sched();
  g->transition(GStatus::running, GStatus::syscall);
  if (m->locked_g) return;  // a locked M keeps its P: nobody else may use this thread anyway
  P* p = releasep(m);
  m->next_p = p;  // remembered, not owned: exit_blocking tries it first
  s->syscall_handoffs.fetch_add(1, std::memory_order_relaxed);
  if (debug::trace::on) [[unlikely]]
    debug::trace::syscall_handoff(m, g, p);
  handoffp(s, p);
}

void exit_blocking() noexcept {
  M* m = current_m();
  G* g = m->curg;
  Sched* s = current_sched();
  if (m->locked_g) {
    g->transition(GStatus::syscall, GStatus::running);
    return;
  }
  P* old = m->next_p;
  m->next_p = nullptr;
  // A returning M owns no P: it touches no P-owned state until it has one.
  if (!s->stopping.load(std::memory_order_relaxed)) {
    s->lock.lock();
    P* p = (old && old->status == PStatus::idle && pidle_take(s, old)) ? old : pidle_get(s);
    s->lock.unlock();
    if (p) {
      acquirep(m, p);
      if (debug::trace::on) [[unlikely]]
        debug::trace::syscall_return(m, g, true);
      g->transition(GStatus::syscall, GStatus::running);
      return;
    }
  }
  // No P to be had: queue the G globally and let this M sleep. The G must be
  // switched out before anyone can see it in the queue (finish_switch).
  if (debug::trace::on) [[unlikely]]
    debug::trace::syscall_return(m, g, false);
  m->after = AfterSwitch::requeue_global;
  m->after_g = g;
  switch_away(m, g, nullptr);
}

}  // namespace goro::sched
