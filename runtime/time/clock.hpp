// goro::Clock (std::chrono::steady_clock) is CLOCK_MONOTONIC, the clock of
// sched::nanotime() and of the timer heaps, so a time point and a timer
// deadline differ only in units.
#pragma once

#include "runtime/sched/sched.hpp"
#include <goro/time.hpp>

#include <chrono>
#include <cstdint>

namespace goro::time {

inline std::int64_t to_nanotime(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

inline Clock::time_point from_nanotime(std::int64_t ns) {
  return Clock::time_point{std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns))};
}

inline std::int64_t nanoseconds(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// The deadline d from now; d <= 0 is now, as Go's timers treat it.
inline std::int64_t deadline_after(Clock::duration d) {
  std::int64_t ns = nanoseconds(d);
  return sched::nanotime() + (ns > 0 ? ns : 0);
}

}  // namespace goro::time
