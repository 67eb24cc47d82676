// GORODEBUG: debug switches in the style of Go's GODEBUG, a comma-separated
// list of name=value pairs read once, at first use:
//
//   GORODEBUG=schedtrace=1000,dumpall=1
//
//   schedtrace=MS  a scheduler summary line on stderr every MS milliseconds
//                  (schedtrace.cpp)
//   dumpall=1      goroutine dumps print every goroutine in full, however
//                  many there are (dump.cpp)
//
// Unknown names are ignored, as Go does.
#pragma once

namespace goro::debug {

struct GoDebug {
  int schedtrace_ms = 0;  // 0: off
  bool dumpall = false;
};

// Parses `spec` (a GORODEBUG value); exposed for tests.
GoDebug parse_godebug(const char* spec) noexcept;
// The process's settings, parsed from the environment on first call.
const GoDebug& godebug() noexcept;

}  // namespace goro::debug
