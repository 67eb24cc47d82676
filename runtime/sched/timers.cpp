#include "runtime/sched/timers.hpp"

#include "runtime/debug/fatal.hpp"
#include "runtime/sched/internal.hpp"

#include <cstdint>
#include <vector>

namespace goro::sched {
namespace {

// Bumped by each shutdown: a timer whose generation is older sat on a heap
// that has been freed since.
std::atomic<std::uint64_t> g_generation{1};

}  // namespace

// 4-ary heap: shallower than a binary one, and a node's four children share
// a cache line or two of pointers.
void TimerHeap::sift_up(std::size_t i) noexcept {
  Timer* t = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 4;
    if (heap_[parent]->when <= t->when) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void TimerHeap::sift_down(std::size_t i) noexcept {
  Timer* t = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t first_child = 4 * i + 1;
    if (first_child >= n) break;
    std::size_t best = first_child;
    for (std::size_t c = first_child + 1; c < first_child + 4 && c < n; ++c)
      if (heap_[c]->when < heap_[best]->when) best = c;
    if (heap_[best]->when >= t->when) break;
    place(i, heap_[best]);
    i = best;
  }
  place(i, t);
}

void TimerHeap::push_locked(Timer* t) noexcept {
  heap_.push_back(t);
  sift_up(heap_.size() - 1);
  publish_first();
}

void TimerHeap::remove_locked(Timer* t) noexcept {
  std::size_t i = static_cast<std::size_t>(t->index);
  Timer* last = heap_.back();
  heap_.pop_back();
  t->index = -1;
  if (last != t) {
    place(i, last);
    sift_down(i);
    sift_up(static_cast<std::size_t>(last->index));
  }
  publish_first();
}

void add_timer(Timer* t) noexcept {
  Sched* s = current_sched();
  M* m = current_m();
  P* p = m && m->p ? m->p : s->allp[(reinterpret_cast<std::uintptr_t>(t) >> 6) % s->nprocs.load()];
  s->pending_wakeups.fetch_add(1, std::memory_order_seq_cst);
  p->timers.lock.lock();
  t->p = p;
  t->generation = g_generation.load(std::memory_order_relaxed);
  p->timers.push_locked(t);
  p->timers.lock.unlock();
  // Go's wakeNetPoller: if no M sleeps until before this deadline, get one
  // looking (it will sleep no longer than the new earliest deadline).
  std::int64_t until = s->sleep_until.load(std::memory_order_seq_cst);
  if (until == 0 || t->when < until) wakep(s);
}

bool del_timer(Timer* t) noexcept {
  P* p = t->p;
  // From a stopped runtime: p is gone, and the timer with it (discard_timers).
  if (!p || t->generation != g_generation.load(std::memory_order_acquire)) return false;
  p->timers.lock.lock();
  bool pending = t->index >= 0 && t->p == p;
  if (pending) {
    p->timers.remove_locked(t);
    current_sched()->pending_wakeups.fetch_sub(1, std::memory_order_seq_cst);
  }
  p->timers.lock.unlock();
  return pending;
}

std::int64_t run_timers(P* p, std::int64_t now) noexcept {
  std::int64_t first = p->timers.first();
  if (first == 0 || first > now) return first;
  Sched* s = current_sched();
  p->timers.lock.lock();
  while (Timer* t = p->timers.top_locked()) {
    if (t->when > now) break;
    p->timers.remove_locked(t);
    if (t->period > 0) {
      // A ticker: next tick one period on; ticks missed while late are dropped.
      t->when += t->period;
      if (t->when <= now) t->when = now + t->period;
      p->timers.push_locked(t);
    } else {
      s->pending_wakeups.fetch_sub(1, std::memory_order_seq_cst);
    }
    t->fn(t->arg, now);
  }
  first = p->timers.first();
  p->timers.lock.unlock();
  return first;
}

void discard_timers(Sched* s) noexcept {
  struct Discard {
    void (*fn)(void*);
    void* arg;
  };
  std::vector<Discard> hooks;
  for (int i = 0; i < s->allp_len; ++i) {
    P* p = s->allp[i];
    p->timers.lock.lock();
    while (Timer* t = p->timers.top_locked()) {
      p->timers.remove_locked(t);
      t->p = nullptr;
      s->pending_wakeups.fetch_sub(1, std::memory_order_seq_cst);
      if (t->discard) hooks.push_back({t->discard, t->arg});
    }
    p->timers.lock.unlock();
  }
  // Hooks run once every timer is off its heap, and nothing reads a Timer
  // after that: a hook may free other timers (an after_func closure owning
  // a goro::Timer), whose del_timer then finds them not pending.
  for (const Discard& d : hooks) d.fn(d.arg);
  g_generation.fetch_add(1, std::memory_order_release);
}

}  // namespace goro::sched
