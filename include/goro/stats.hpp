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
  // Goroutine stacks. stack_reserved: virtual bytes of the stack pool's
  // reservations (address space, not memory). stack_committed: bytes of
  // goroutine stacks backed by RAM: the pages live goroutines' stacks have
  // touched (a stack never shrinks while its goroutine lives) and those
  // released stacks still hold until the pool gives them back. Estimated at
  // a constant cost (about 128 mincore calls, whatever the number of
  // goroutines): up to 128 stacks that may hold memory are measured and the
  // mean is scaled to all of them, so it is exact with at most 128 such
  // stacks and a sample beyond (a few deep stacks among a million shallow
  // ones may be missed). Released stacks trimmed to their top pages count
  // those pages; emptied ones count nothing.
  std::size_t stack_reserved, stack_committed;
};

Stats stats();
void dump_goroutines(std::FILE* out = stderr);  // every G: id, state, wait reason, stack trace

}  // namespace goro
