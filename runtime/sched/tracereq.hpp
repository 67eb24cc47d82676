// Traces of goroutines running on other Ms, asked of those Ms (Go's way: a
// running goroutine has no saved context to unwind, so its own thread
// unwinds it from a signal handler).
//
// Protocol (tracereq.cpp):
//  - The asker (a dump) finds the M whose curg is the G, posts a
//    TraceRequest in M::trace_req (a CAS from null: one request per M at a
//    time; a second dump waits for the slot within its own deadline) and
//    sends that M SIGURG, the signal the preemption handler already owns:
//    one handler, one signal, installed in every build (preempt.hpp).
//  - The handler, on the M's thread, takes the request (exchange to null),
//    checks that the interrupted stack pointer lies on that G's stack, and
//    unwinds from the signal's ucontext into the request's buffer: raw pcs,
//    no allocation, no symbols (debug::signal_pcs). It then sets `done` and
//    wakes the asker's futex.
//  - The asker waits for every request it posted up to one deadline. A
//    request still in M::trace_req at the deadline is taken back (CAS to
//    null) and reports no trace; one the handler already took is waited
//    for to the end, since the handler writes into the asker's buffer (it
//    is busy unwinding, never blocked).
//  - No M is ever asked by itself (the asker's own trace is its current
//    stack), and a G not in `running` (a system call, say) is not asked:
//    its M may be in the kernel, where a signal turns some calls into EINTR.
//
// Unanswered: a ThreadSanitizer build defers the signal until the M next
// enters the TSan runtime (a spinning goroutine may never); an M that exits
// or switches away first answers "moved". The dump then prints its old text.
#pragma once

#include "runtime/debug/traceback.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace goro::sched {

struct G;
struct M;
struct Sched;

struct TraceRequest {
  G* g = nullptr;  // the goroutine wanted, as the asker last saw it running
  M* m = nullptr;  // the M found running it (request_traces fills it in)
  int n = -1;      // frames in pcs; -1: no answer, or g was not on m's stack
  std::atomic<std::uint32_t> done{0};  // 1 once the handler has answered
  std::uintptr_t pcs[debug::kMaxFrames];
};

// Asks, for every reqs[i].g, the M running it; returns when each request is
// answered or taken back, at most about timeout_ns after the call (plus
// whatever a handler already unwinding needs to finish).
void request_traces(Sched* s, TraceRequest* reqs, std::size_t n, std::int64_t timeout_ns) noexcept;

// Called by the SIGURG handler on m's thread with the signal's ucontext:
// answers m's pending request, if any. Async-signal-safe. True if there was one.
bool answer_trace_request(M* m, void* ucontext) noexcept;

}  // namespace goro::sched
