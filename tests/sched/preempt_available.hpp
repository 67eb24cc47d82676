// Whether asynchronous preemption, and the hand-off of unannotated system
// calls, work in this test process, for tests that skip without them.
#pragma once

#include "runtime/sched/preempt.hpp"

namespace goro::test {

// sched::preempt_supported() once settled: start() settles it by calling
// preempt_init(), which runs once per process (later calls return at once)
// and needs no runtime, so asking costs no Runtime start and stop.
inline bool preempt_available() noexcept {
  sched::preempt_init();
  return sched::preempt_supported();
}

// The hand-off of unannotated system calls (wherever preemption works).
inline bool handoff_available() noexcept {
  sched::preempt_init();
  return sched::syscall_handoff_supported();
}

}  // namespace goro::test
