// goro::sleep and goro::after_func over the per-P timer heaps.
#include "runtime/sched/sched.hpp"
#include "runtime/sched/timers.hpp"
#include "runtime/time/clock.hpp"
#include <goro/go.hpp>
#include <goro/time.hpp>

#include <stdexcept>
#include <thread>

namespace goro {
void sleep(Clock::duration d) {
  if (time::nanoseconds(d) <= 0) return;
  sched::G* g = sched::current_g();
  if (!g) {
    std::this_thread::sleep_for(d);
    return;
  }
  // The timer lives on this (parked) stack until it fires; it is armed only
  // once the G is switched out, so its ready() always finds it waiting.
  sched::Timer t;
  t.when = time::deadline_after(d);
  t.fn = [](void* gp, std::int64_t) { sched::ready(static_cast<sched::G*>(gp)); };
  t.arg = g;
  sched::park([](sched::G*, void* tp) {
    sched::add_timer(static_cast<sched::Timer*>(tp));
    return true;
  }, &t, sched::WaitReason::sleep);
}

void after_func(Clock::duration d, std::function<void()> f) {
  sched::running_sched();
  struct Pending {
    sched::Timer timer;
    std::function<void()> f;
  };
  auto* pending = new Pending{{}, std::move(f)};
  pending->timer.when = time::deadline_after(d);
  pending->timer.arg = pending;
  pending->timer.fn = [](void* arg, std::int64_t) {
    auto* p = static_cast<Pending*>(arg);
    goro::go(std::move(p->f));
    delete p;  // fired and off the heap: nothing refers to it any more
  };
  // The runtime stopped first: f never runs, what it captured is released.
  pending->timer.discard = [](void* arg) { delete static_cast<Pending*>(arg); };
  sched::add_timer(&pending->timer);
}

}  // namespace goro
