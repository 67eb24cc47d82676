// GORO_TRACE=out.json: an execution trace in Chrome trace-event JSON, for
// ui.perfetto.dev or chrome://tracing. One track per M:
//  - a complete event ("ph":"X") per stretch a goroutine ran on that M,
//    named "G<id>", with args.end saying why it stopped (its wait reason,
//    "yield", "exit", "no P after syscall");
//  - instant events for steals (args: goid, victim P), system-call hand-offs
//    ("syscall handoff": the P given away; "syscall return": with or
//    without a P).
// Each M records into a bounded buffer of its own (no locks, no allocation
// while it runs); a full buffer is appended to the file under a lock, and
// what is left is appended when the M exits. The file is closed ("]") at
// process exit.
//
// Cost when off: each hook is `if (trace::on) [[unlikely]]` on a global
// bool written once, at the first runtime start, before any M exists.
#pragma once

#include <cstdint>

namespace goro::sched {
struct G;
struct M;
struct P;
}  // namespace goro::sched

namespace goro::debug::trace {

extern bool on;

// At every runtime start: opens GORO_TRACE's file the first time.
void init() noexcept;

// Hooks; call only when `on`.
void g_start(sched::M* m, sched::G* g) noexcept;  // g begins to run on m
void g_stop(sched::M* m, sched::G* g) noexcept;   // it stops (m->after says why)
void steal(sched::M* m, sched::G* g, sched::P* victim) noexcept;
void syscall_handoff(sched::M* m, sched::G* g, sched::P* p) noexcept;
void syscall_return(sched::M* m, sched::G* g, bool got_p) noexcept;
// The M is exiting: appends and frees its buffer.
void m_exit(sched::M* m) noexcept;

}  // namespace goro::debug::trace
