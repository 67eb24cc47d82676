// time.After, time.Timer and time.Ticker: a sched::Timer whose function does
// a non-blocking send of the current time on a one-slot channel.
#include "runtime/sched/sched.hpp"
#include "runtime/sched/timers.hpp"
#include "runtime/time/clock.hpp"
#include <goro/time.hpp>

#include <stdexcept>

namespace goro {
namespace detail {

struct TimerState {
  sched::Timer timer;
  Chan<Clock::time_point> c{1};

  TimerState() {
    timer.arg = this;
    timer.fn = [](void* self, std::int64_t now) {
      Clock::time_point t = time::from_nanotime(now);
      static_cast<TimerState*>(self)->c.try_send(t);  // full: the receiver is slow, drop it
    };
  }
  ~TimerState() {
    if (timer.p) sched::del_timer(&timer);  // the function is not running once this returns
  }
  void arm(Clock::duration d, bool periodic) {
    sched::running_sched();
    timer.when = time::deadline_after(d);
    timer.period = periodic ? time::nanoseconds(d) : 0;  // Ticker checked d > 0
    sched::add_timer(&timer);
  }
};

}  // namespace detail

// The timer owns itself until it fires, as Go's runtime keeps an After timer
// alive: nobody holds a handle that could stop it. A runtime stopping first
// frees it unfired (discard).
Chan<Clock::time_point> after(Clock::duration d) {
  struct Once {
    sched::Timer timer;
    Chan<Clock::time_point> c{1};
  };
  sched::running_sched();
  auto* once = new Once;
  once->timer.when = time::deadline_after(d);
  once->timer.arg = once;
  once->timer.fn = [](void* self, std::int64_t now) {
    auto* o = static_cast<Once*>(self);
    o->c.try_send(time::from_nanotime(now));
    delete o;  // off the heap already; the receiver keeps its own handle to c
  };
  once->timer.discard = [](void* self) { delete static_cast<Once*>(self); };
  Chan<Clock::time_point> c = once->c;
  sched::add_timer(&once->timer);
  return c;
}

Timer::Timer(Clock::duration d) : state_(std::make_shared<detail::TimerState>()) {
  state_->arm(d, false);
}

Chan<Clock::time_point> Timer::c() const { return state_->c; }

bool Timer::stop() { return sched::del_timer(&state_->timer); }

bool Timer::reset(Clock::duration d) {
  bool was_pending = sched::del_timer(&state_->timer);
  state_->arm(d, false);
  return was_pending;
}

Ticker::Ticker(Clock::duration d) : state_(std::make_shared<detail::TimerState>()) {
  if (d <= Clock::duration::zero()) throw std::invalid_argument("non-positive interval for goro::Ticker");
  state_->arm(d, true);
}

Chan<Clock::time_point> Ticker::c() const { return state_->c; }

void Ticker::stop() { sched::del_timer(&state_->timer); }

void Ticker::reset(Clock::duration d) {
  if (d <= Clock::duration::zero()) throw std::invalid_argument("non-positive interval for goro::Ticker.reset");
  sched::del_timer(&state_->timer);
  state_->arm(d, true);
}

}  // namespace goro
