// GORODEBUG: debug switches in the style of Go's GODEBUG, a comma-separated
// list of name=value pairs read once, at first use:
//
//   GORODEBUG=schedtrace=1000,dumpall=1
//
//   schedtrace=MS  a scheduler summary line on stderr every MS milliseconds
//                  (schedtrace.cpp)
//   dumpall=1      goroutine dumps print every goroutine in full, however
//                  many there are (dump.cpp)
//   preemptmodules=A:B
//                  shared objects (file names, e.g. libgame.so) whose code
//                  asynchronous preemption may stop, besides the main
//                  executable (preempt.cpp). Only libraries that take no
//                  locks of their own belong here: never libc, libstdc++ or
//                  the loader.
//   lockbias=0     channel locks always take a CAS, even when one thread
//                  takes them all (runtime/sched/bias.hpp)
//
// Unknown names are ignored, as Go does.
#pragma once

namespace goro::debug {

struct GoDebug {
  int schedtrace_ms = 0;  // 0: off
  bool dumpall = false;
  char preempt_modules[256] = {};  // colon-separated file names; empty: none
  bool lockbias = true;
};

// Parses `spec` (a GORODEBUG value); exposed for tests.
GoDebug parse_godebug(const char* spec) noexcept;
// The process's settings, parsed from the environment on first call.
const GoDebug& godebug() noexcept;

}  // namespace goro::debug
