// The global scheduler state: starting and stopping a runtime, goroutine
// allocation, gomaxprocs, and the main goroutine of run().
#include "runtime/sched/internal.hpp"
#include "runtime/sched/preempt.hpp"
#include "runtime/sched/timers.hpp"

#include "runtime/debug/fatal.hpp"
#include "runtime/net/poller.hpp"
#include "runtime/debug/schedtrace.hpp"
#include "runtime/debug/trace.hpp"
#include "runtime/sched/sanitizer.hpp"

#include "runtime/alloc.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sched.h>
#include <new>
#include <stdexcept>

namespace goro::sched {
namespace {

std::atomic<Sched*> g_current{nullptr};

std::uint64_t current_goroutine_id() noexcept {
  G* g = current_g();
  return g ? g->id : 0;
}

P* new_p(int id) {
  void* mem = alloc::aligned(sizeof(P), alignof(P));
  if (!mem) throw std::bad_alloc();
  P* p = new (mem) P;
  p->id = id;
  return p;
}

void delete_p(Sched* s, P* p) noexcept {
  for (int i = 0; i < p->nstacks; ++i) s->stacks.release(p->stacks[i]);
  p->~P();
  alloc::free(p);
}

}  // namespace

Sched* current_sched() noexcept { return g_current.load(std::memory_order_acquire); }
void set_current_sched(Sched* s) noexcept { g_current.store(s, std::memory_order_release); }

void throw_no_runtime() {
  throw std::logic_error("goro: no runtime is running (call goro::run or create a goro::Runtime)");
}

Sched* running_sched() {
  Sched* s = current_sched();
  if (!s) throw_no_runtime();
  return s;
}

std::atomic<std::int64_t> coarse_clock{0};

std::int64_t nanotime() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  std::int64_t now = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
  // Written only when stale, so Ms reading the clock often do not fight
  // over its cache line.
  if (now - coarse_clock.load(std::memory_order_relaxed) > 1'000'000) coarse_clock.store(now, std::memory_order_relaxed);
  return now;
}

Sched::Sched(const Config& c) : config(c), stacks(c.stack_size) {
  nprocs.store(config.procs, std::memory_order_relaxed);
  for (int i = 0; i < config.procs; ++i) {
    allp[i] = new_p(i);
    allp_len.store(i + 1, std::memory_order_release);
    pidle_put(this, allp[i]);
  }
}

Sched::~Sched() {
  // Every M has exited (stop() joined them): free what they left behind.
  G* g = allg;
  while (g) {
    G* next = g->all_next;
    if (g->closure.invoke) g->closure.destroy(g->closure.self);
    if (g->closure.heap) alloc::free(g->closure.self);
    if (g->stack) stack_put(this, nullptr, g->stack);
    sanitizer::destroy_fiber(g->fiber);
    g->~G();
    alloc::free(g);
    g = next;
  }
  for (int i = 0, n = allp_len.load(); i < n; ++i) delete_p(this, allp[i]);
  all_ms.each([](M* m) {
    m->~M();
    alloc::free(m);
  });
}

// --- Goroutines --------------------------------------------------------------

G* new_g(Sched* s) {
  if (!s) throw_no_runtime();
  G* g = nullptr;
  M* m = current_m();
  P* p = m ? m->p : nullptr;
  if (p) {
    g = p->free_gs.pop();
    if (!g && s->free_gs.refill(p->free_gs)) g = p->free_gs.pop();  // a batch at a time
  } else {
    g = s->free_gs.get();
  }
  if (!g) {
    void* mem = alloc::aligned(sizeof(G), alignof(G));
    if (!mem) throw std::bad_alloc();
    g = new (mem) G;
    s->allg_lock.lock();
    g->all_next = s->allg;
    s->allg = g;
    s->allg_lock.unlock();
  }
  if (p) {
    if (p->goid_next == p->goid_end) {
      p->goid_next = s->next_goid.fetch_add(P::kGoidBatch, std::memory_order_relaxed);
      p->goid_end = p->goid_next + P::kGoidBatch;
    }
    g->id = p->goid_next++;
  } else {
    g->id = s->next_goid.fetch_add(1, std::memory_order_relaxed);
  }
  return g;
}

void discard_g(Sched* s, G* g) noexcept {
  if (g->closure.heap) alloc::free(g->closure.self);
  g->closure = {};
  s->free_gs.put(g);
}

namespace {

// The owner's +1/-1 on its P's count: a plain load and store.
void add_goroutines(P* p, std::int64_t n) noexcept {
  p->ngoroutines.store(p->ngoroutines.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

std::int64_t goroutine_count(Sched* s) noexcept {
  std::int64_t n = s->ngoroutines.load(std::memory_order_relaxed);
  const int np = s->allp_len.load(std::memory_order_acquire);
  for (int i = 0; i < np; ++i) n += s->allp[i]->ngoroutines.load(std::memory_order_relaxed);
  return n < 0 ? 0 : n;
}

void start_g(Sched* s, G* g) noexcept {
  M* m = current_m();
  if (m && m->p) add_goroutines(m->p, 1);
  else s->ngoroutines.fetch_add(1, std::memory_order_relaxed);
  g->transition(GStatus::idle, GStatus::runnable);
  put_runnable(s, g);  // Go's newproc: the new G runs next, its spawner continues
}

void free_g(Sched* s, P* p, G* g) noexcept {
  g->transition(GStatus::dead, GStatus::idle);
  if (g->stack) {
    stack_put(s, p, g->stack);
    g->stack = {};
  }
  g->context = nullptr;
  // TSan keeps fibers like threads and dies past 8128 of them: a dead G's
  // goes now (it is not the running fiber: we are on the next context), and
  // a G gets a fresh one at its next first run.
  sanitizer::destroy_fiber(g->fiber);
  g->fiber = nullptr;
  g->wait_reason = WaitReason::none;
  g->locked_m = nullptr;
  g->preempt_locked = false;
  g->is_main = false;
  g->eh = {};
  g->saved_errno = 0;
  add_goroutines(p, -1);
  // Keep P caches bounded: Gs freed on one P and allocated on another
  // would otherwise pile up.
  if (p->free_gs.full()) s->free_gs.spill(p->free_gs);
  p->free_gs.push(g);
}

stack::Stack stack_get(Sched* s, P* p) {
  if (p && p->nstacks > 0) return p->stacks[--p->nstacks];
  return s->stacks.allocate();
}

void stack_put(Sched* s, P* p, stack::Stack st) noexcept {
  // A dead G's bottom frames never returned: their redzones are still poisoned.
  sanitizer::unpoison(st.lo, st.size());
  if (p && p->nstacks < P::kStackCache) {
    p->stacks[p->nstacks++] = st;
    return;
  }
  s->stacks.release(st);
}

// --- Whole runtime -------------------------------------------------------------

Sched* start(const Config& c) {
  if (c.procs < 1 || c.procs > Sched::kMaxProcs)
    throw std::invalid_argument("goro: procs must be between 1 and 1024");
  void* mem = alloc::aligned(sizeof(Sched), alignof(Sched));
  if (!mem) throw std::bad_alloc();
  Sched* s = new (mem) Sched(c);
  Sched* expected = nullptr;
  if (!g_current.compare_exchange_strong(expected, s)) {
    s->~Sched();
    alloc::free(s);
    throw std::logic_error("goro: a runtime is already running in this process");
  }
  stack::install_overflow_handler();
  stack::set_goroutine_id_source(&current_goroutine_id);
  debug::install_panic_handler();
  debug::install_sigquit_handler();
  debug::start_schedtrace(s);
  debug::trace::init();
  preempt_init();
  sysmon_start(s);
  return s;
}

void stop(Sched* s) noexcept {
  s->stopping.store(true, std::memory_order_seq_cst);
  // sysmon keeps running until every M is joined: its preemption requests
  // bring spinning goroutines' Ms to a switch, where they see `stopping`.
  // (It starts no M from now on: startm checks `stopping`.)
  // Let every startm() in flight finish publishing its M (thread id, next_p)
  // before waking and joining: none starts after this.
  while (s->starting_ms.load(std::memory_order_seq_cst) != 0) sched_yield();
  // Wake every idle M; running Ms notice `stopping` at their next switch.
  s->lock.lock();
  for (M* m = s->idle_ms; m; m = m->idle_next) m->park.wake();
  s->lock.unlock();
  net::netpoll_break();  // the idle M sleeping in epoll_wait, if any
  s->all_ms.each([](M* m) {
    m->park.wake();
    net::netpoll_break();  // it may have gone back into epoll_wait after the first break
    pthread_join(m->thread, nullptr);
  });
  net::forget_runtime(s);  // goroutines abandoned on the poller; deadline timers
  discard_timers(s);       // the rest, unfired (after(), after_func and Timers leave nothing behind)
  debug::stop_schedtrace(s);
  sysmon_stop(s);
  set_current_sched(nullptr);
  s->~Sched();
  alloc::free(s);
}

void run_main(Sched* s, G* g) {
  g->is_main = true;
  s->main_g = g;
  start_g(s, g);
  s->main_done.sleep();
}

int set_procs(Sched* s, int n) noexcept {
  s->lock.lock();
  int old = s->nprocs.load(std::memory_order_relaxed);
  if (n > 0 && n != old) {
    if (n > Sched::kMaxProcs) n = Sched::kMaxProcs;
    for (int i = s->allp_len; i < n; ++i) {
      s->allp[i] = new_p(i);
      s->allp[i]->status = PStatus::retired;  // listed below, as a re-enabled one is
      s->allp_len.store(i + 1, std::memory_order_release);
    }
    s->nprocs.store(n, std::memory_order_seq_cst);
    // Growing: the new and re-enabled Ps go idle, ready for wakep. Only a
    // retired P is unowned and off the idle list for sure (retire_p,
    // pidle_put and the loop below retire only such Ps). An idle P beyond
    // the old count is either still listed or on its way to an M (startm
    // took it off the list; handoffp never listed it): listing that one
    // again would hand it to two Ms. A running one keeps its M.
    // Shrinking: Ps at or beyond n retire when their M next looks for work.
    for (int i = old; i < n; ++i)
      if (s->allp[i]->status == PStatus::retired) pidle_put(s, s->allp[i]);
    // Idle Ps beyond n leave the idle list now.
    P** link = &s->idle_ps;
    while (*link) {
      if ((*link)->id >= n) {
        (*link)->status = PStatus::retired;
        *link = (*link)->idle_next;
        s->npidle.fetch_sub(1, std::memory_order_relaxed);
      } else {
        link = &(*link)->idle_next;
      }
    }
  }
  s->lock.unlock();
  for (int i = old; i < n; ++i) wakep(s);
  return old;
}

}  // namespace goro::sched
