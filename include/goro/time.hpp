// Time, on std::chrono::steady_clock (Go's time package, monotonic part).
//
//   goro::sleep(10ms);                                  // time.Sleep: parks the goroutine
//   goro::after_func(1s, [] { std::puts("later"); });   // time.AfterFunc: f runs in a new goroutine
//
// Timers live in per-P heaps run by the scheduler (runtime/sched/timers.hpp);
// an idle runtime sleeps until the earliest deadline, burning no CPU.
#pragma once

#include <chrono>
#include <functional>

namespace goro {

using Clock = std::chrono::steady_clock;

// Parks the calling goroutine for at least d (a plain thread just sleeps).
// d <= 0 returns at once, as in Go.
void sleep(Clock::duration d);

// Runs f in a new goroutine once d has passed. Throws std::logic_error when
// no runtime is running.
void after_func(Clock::duration d, std::function<void()> f);

}  // namespace goro
