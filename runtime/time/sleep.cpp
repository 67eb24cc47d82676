// goro::sleep and goro::after_func over the per-P timer heaps.
#include "runtime/sched/sched.hpp"
#include "runtime/sched/timers.hpp"
#include <goro/go.hpp>
#include <goro/time.hpp>

#include <stdexcept>
#include <thread>

namespace goro {
namespace {

std::int64_t to_ns(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

}  // namespace

void sleep(Clock::duration d) {
  std::int64_t ns = to_ns(d);
  if (ns <= 0) return;
  sched::G* g = sched::current_g();
  if (!g) {
    std::this_thread::sleep_for(d);
    return;
  }
  // The timer lives on this (parked) stack until it fires; it is armed only
  // once the G is switched out, so its ready() always finds it waiting.
  sched::Timer t;
  t.when = sched::nanotime() + ns;
  t.fn = [](void* gp, std::int64_t) { sched::ready(static_cast<sched::G*>(gp)); };
  t.arg = g;
  sched::park([](sched::G*, void* tp) {
    sched::add_timer(static_cast<sched::Timer*>(tp));
    return true;
  }, &t, sched::WaitReason::sleep);
}

void after_func(Clock::duration d, std::function<void()> f) {
  if (!sched::current_sched())
    throw std::logic_error("goro: no runtime is running (call goro::run or create a goro::Runtime)");
  struct Pending {
    sched::Timer timer;
    std::function<void()> f;
  };
  auto* pending = new Pending{{}, std::move(f)};
  pending->timer.when = sched::nanotime() + (to_ns(d) > 0 ? to_ns(d) : 0);
  pending->timer.arg = pending;
  pending->timer.fn = [](void* arg, std::int64_t) {
    auto* p = static_cast<Pending*>(arg);
    goro::go(std::move(p->f));
    delete p;  // fired and off the heap: nothing refers to it any more
  };
  sched::add_timer(&pending->timer);
}

}  // namespace goro
