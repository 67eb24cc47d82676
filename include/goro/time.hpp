// Time, on std::chrono::steady_clock (Go's time package, monotonic part).
//
//   goro::sleep(10ms);                                  // time.Sleep: parks the goroutine
//   goro::after_func(1s, [] { std::puts("later"); });   // time.AfterFunc: f runs in a new goroutine
//   goro::select(goro::recv(results, use), goro::recv(goro::after(1s)));  // a timeout
//   goro::Ticker tick(100ms);
//   for (auto t : tick.c()) { ... }                     // a tick every 100 ms (slow readers miss ticks)
//
// Timers live in per-P heaps run by the scheduler (runtime/sched/timers.hpp);
// an idle runtime sleeps until the earliest deadline, burning no CPU.
//
// Timers die with their runtime: when run() returns (or a Runtime shuts
// down), every timer still pending is discarded unfired. after_func's f is
// destroyed without running; after()'s channel is released by the runtime
// (a handle you keep stays valid and never receives). A Timer or Ticker
// that outlives its runtime is a stopped timer: stop() returns false,
// reset() throws std::logic_error while no runtime runs and arms it in the
// next one if one does; destroying it is always safe.
#pragma once

#include <goro/chan.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace goro {

using Clock = std::chrono::steady_clock;

// Parks the calling goroutine for at least d (a plain thread just sleeps).
// d <= 0 returns at once, as in Go.
void sleep(Clock::duration d);

// Runs f in a new goroutine once d has passed. Throws std::logic_error when
// no runtime is running.
void after_func(Clock::duration d, std::function<void()> f);

// A channel that receives the time once d has passed (time.After).
Chan<Clock::time_point> after(Clock::duration d);

namespace detail {
struct TimerState;
}

// time.Timer: sends the current time on c() once, after d. Copies share the
// timer; the last copy's destruction stops it.
class Timer {
 public:
  explicit Timer(Clock::duration d);
  Chan<Clock::time_point> c() const;
  bool stop();                    // true if this call stopped a pending timer
  bool reset(Clock::duration d);  // re-arms; true if the timer had been pending

 private:
  std::shared_ptr<detail::TimerState> state_;
};

// time.Ticker: sends the time on c() every d; the channel holds one tick,
// so a slow receiver drops ticks instead of queueing them.
class Ticker {
 public:
  explicit Ticker(Clock::duration d);  // d must be positive (std::invalid_argument)
  Chan<Clock::time_point> c() const;
  void stop();
  void reset(Clock::duration d);

 private:
  std::shared_ptr<detail::TimerState> state_;
};

}  // namespace goro
