// GORODEBUG=schedtrace=MS: a line on stderr every MS milliseconds, like Go's
//
//   SCHED 1004ms: gomaxprocs=2 idleprocs=1 threads=5 spinningthreads=0 idlethreads=2 runqueue=0 [0 0]
//
// (time since the runtime started; Ps idle; Ms alive, looking for work, and
// asleep; the global run queue's length; each P's local queue, runnext
// included). Printed by a small thread of its own that sleeps in between:
// nothing on the scheduler's paths. One runtime at a time, like the runtime.
#pragma once

namespace goro::sched {
struct Sched;
}

namespace goro::debug {

// Starts the thread if GORODEBUG asks for it (counted in
// Sched::helper_threads); stop joins it. Both from the runtime's start/stop.
void start_schedtrace(sched::Sched* s) noexcept;
void stop_schedtrace(sched::Sched* s) noexcept;

// The line for s right now, without the trailing newline, into buf.
void format_schedtrace(sched::Sched* s, long long ms_since_start, char* buf, unsigned size) noexcept;

}  // namespace goro::debug
