// Introspection: counters cheap enough to read every second, and a dump of
// every goroutine (also printed on SIGQUIT, once that lands).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace goro {

struct Stats {
  std::int64_t goroutines;
  int procs;
  int threads;
  std::uint64_t switches, steals, preemptions, syscall_handoffs;
  std::size_t stack_reserved, stack_committed;
};

Stats stats();
void dump_goroutines(std::FILE* out = stderr);  // every G: id, state, wait reason, stack trace

}  // namespace goro
