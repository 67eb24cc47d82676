// Asking Ms for their running goroutine's trace (tracereq.hpp).
#include "runtime/sched/tracereq.hpp"

#include "runtime/sched/sanitizer.hpp"

#include "runtime/sched/internal.hpp"
#include "runtime/sched/preempt_arch.hpp"

#include <csignal>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

namespace goro::sched {
namespace {

// M::curg and G::stack of other threads are read without their owners'
// consent, as dumps do (dump.cpp): a stale value only costs a "moved"
// answer, since the handler checks again on the M itself.
// Fills in reqs[i].m: the M whose curg is reqs[i].g, if any (other than the
// caller's own). The M list needs no lock (mlist.hpp): the caller may be a
// SIGQUIT handler that interrupted Sched::lock's holder on this very thread.
GORO_NO_TSAN void find_ms(Sched* s, TraceRequest* reqs, std::size_t n) noexcept {
  M* self = current_m();
  // A plain loop, not MList::each: a lambda's body would not be GORO_NO_TSAN.
  for (int k = 0, nms = s->all_ms.size(); k < nms; ++k) {
    M* m = s->all_ms[k];
    if (m == self || m->tid.load(std::memory_order_acquire) == 0) continue;
    G* g = m->curg;
    if (!g) continue;
    for (std::size_t i = 0; i < n; ++i)
      if (reqs[i].g == g) reqs[i].m = m;
  }
}

void answer(TraceRequest* r, int n) noexcept {
  r->n = n;
  r->done.store(1, std::memory_order_release);
  // r may be gone once done is set (the asker returns): the wake only uses
  // its address, and a stray wake is harmless to any futex waiter.
  futex_wake(r->done, 1);
}

}  // namespace

bool answer_trace_request(M* m, void* ucontext) noexcept {
  TraceRequest* r = m->trace_req.exchange(nullptr, std::memory_order_acq_rel);
  if (!r) return false;
  auto* uc = static_cast<const ucontext_t*>(ucontext);
  G* g = m->curg;
  // Only the goroutine asked for, interrupted on its own stack: the handler
  // may also have interrupted g0, a switch, or another signal handler.
  bool on_g = g == r->g && g->load_status() == GStatus::running && g->stack.holds_sp(preempt_arch::sp(uc));
  answer(r, on_g ? debug::signal_pcs(ucontext, r->pcs, debug::kMaxFrames) : -1);
  return true;
}

void request_traces(Sched* s, TraceRequest* reqs, std::size_t n, std::int64_t timeout_ns) noexcept {
  if (n == 0) return;
  find_ms(s, reqs, n);
  const std::int64_t deadline = nanotime() + timeout_ns;
  const pid_t pid = getpid();
  // Post every request first, so the Ms unwind in parallel and a dump of
  // many running goroutines waits one timeout, not one per goroutine.
  std::size_t posted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    TraceRequest& r = reqs[i];
    if (!r.m) continue;
    // Another dump's request may hold the slot: it is answered or taken
    // back within that dump's own timeout.
    TraceRequest* expected = nullptr;
    while (!r.m->trace_req.compare_exchange_strong(expected, &r, std::memory_order_acq_rel)) {
      expected = nullptr;
      if (nanotime() >= deadline) break;
      usleep(200);
    }
    if (expected != nullptr) {  // never posted
      r.m = nullptr;
      continue;
    }
    int tid = r.m->tid.load(std::memory_order_acquire);
    if (tid == 0 || syscall(SYS_tgkill, pid, tid, SIGURG) != 0) {
      TraceRequest* mine = &r;
      if (r.m->trace_req.compare_exchange_strong(mine, nullptr, std::memory_order_acq_rel)) {
        r.m = nullptr;  // taken back: no handler will see it
        continue;
      }
      // A signal sent earlier (by sysmon) took it: wait for the answer below.
    }
    ++posted;
  }
  for (std::size_t i = 0; i < n && posted > 0; ++i) {
    TraceRequest& r = reqs[i];
    if (!r.m) continue;
    for (;;) {
      if (r.done.load(std::memory_order_acquire) != 0) break;
      std::int64_t left = deadline - nanotime();
      if (left <= 0) {
        TraceRequest* mine = &r;
        if (r.m->trace_req.compare_exchange_strong(mine, nullptr, std::memory_order_acq_rel)) {
          r.n = -1;  // taken back unanswered
          break;
        }
        // The handler holds it and is unwinding: it writes into r, so wait
        // it out (a bounded unwind, never a block).
        while (r.done.load(std::memory_order_acquire) == 0) futex_wait(r.done, 0, 1'000'000);
        break;
      }
      futex_wait(r.done, 0, left);
    }
  }
}

}  // namespace goro::sched
