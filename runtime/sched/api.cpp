// The public API (include/goro/go.hpp, runtime.hpp, stats.hpp) over the scheduler.
#include "runtime/sched/internal.hpp"

#include "runtime/debug/fatal.hpp"
#include <goro/go.hpp>
#include <goro/runtime.hpp>
#include <goro/stats.hpp>

#include "runtime/alloc.hpp"

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace goro {
namespace {

sched::Sched* resolve(void* runtime) {
  sched::Sched* s = runtime ? static_cast<sched::Sched*>(runtime) : sched::current_sched();
  if (!s || s != sched::current_sched())
    sched::throw_no_runtime();
  return s;
}

int default_procs() {
  if (const char* env = std::getenv("GOMAXPROCS")) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0) return static_cast<int>(n < sched::Sched::kMaxProcs ? n : sched::Sched::kMaxProcs);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}

}  // namespace

namespace detail {

GoroutineSlot new_goroutine(void* runtime, std::size_t size, std::size_t align) {
  sched::Sched* s = resolve(runtime);
  sched::G* g = sched::new_g(s);
  if (size <= sched::G::kInlineClosure && align <= 16) {
    g->closure.self = g->closure_buf;
    g->closure.heap = false;
  } else {
    void* mem = alloc::aligned(size, align);
    if (!mem) {
      sched::discard_g(s, g);
      throw std::bad_alloc();
    }
    g->closure.self = mem;
    g->closure.heap = true;
  }
  return {g, g->closure.self};
}

void start_goroutine(void* runtime, GoroutineSlot slot, ClosureFn invoke, ClosureFn destroy) noexcept {
  auto* g = static_cast<sched::G*>(slot.g);
  g->closure.invoke = invoke;
  g->closure.destroy = destroy;
  sched::start_g(runtime ? static_cast<sched::Sched*>(runtime) : sched::current_sched(), g);
}

void discard_goroutine(void* runtime, GoroutineSlot slot) noexcept {
  sched::discard_g(runtime ? static_cast<sched::Sched*>(runtime) : sched::current_sched(), static_cast<sched::G*>(slot.g));
}

void run_main_goroutine(void* runtime, GoroutineSlot slot, ClosureFn invoke, ClosureFn destroy) {
  auto* g = static_cast<sched::G*>(slot.g);
  g->closure.invoke = invoke;
  g->closure.destroy = destroy;
  sched::run_main(static_cast<sched::Sched*>(runtime), g);
}

void enter_blocking() noexcept { sched::enter_blocking(); }
void exit_blocking() noexcept { sched::exit_blocking(); }

}  // namespace detail

Runtime::Runtime(Options opts) {
  if (sched::current_g()) throw std::logic_error("goro: cannot start a runtime from inside a goroutine");
  sched::Config c;
  c.procs = opts.procs > 0 ? opts.procs : default_procs();
  c.stack_size = opts.stack_size;
  c.preempt = opts.preempt;
  c.time_slice = opts.time_slice;
  c.deadlock_detect = opts.deadlock_detect;
  impl_ = sched::start(c);
}

Runtime::~Runtime() { shutdown(); }

void Runtime::shutdown() {
  if (!impl_) return;
  if (sched::current_g()) throw std::logic_error("goro: Runtime::shutdown called from one of its own goroutines");
  sched::stop(static_cast<sched::Sched*>(impl_));
  impl_ = nullptr;
}

void yield() { sched::yield(); }

int gomaxprocs(int n) {
  sched::Sched* s = sched::current_sched();
  if (!s) return default_procs();
  return sched::set_procs(s, n);
}

std::int64_t num_goroutine() {
  sched::Sched* s = sched::current_sched();
  return s ? sched::goroutine_count(s) : 0;
}

std::uint64_t goroutine_id() {
  sched::G* g = sched::current_g();
  return g ? g->id : 0;
}

bool in_goroutine() { return sched::current_g() != nullptr; }

void lock_os_thread() { sched::lock_os_thread(); }
void unlock_os_thread() { sched::unlock_os_thread(); }

Stats stats() {
  Stats st{};
  sched::Sched* s = sched::current_sched();
  if (!s) return st;
  st.goroutines = sched::goroutine_count(s);
  st.procs = s->nprocs.load(std::memory_order_relaxed);
  s->lock.lock();
  st.threads = s->mcount;
  int np = s->allp_len.load();
  s->lock.unlock();
  for (int i = 0; i < np; ++i) {
    st.switches += s->allp[i]->switches.load(std::memory_order_relaxed);
    st.steals += s->allp[i]->steals.load(std::memory_order_relaxed);
  }
  st.preemptions = s->preemptions.load(std::memory_order_relaxed);
  st.syscall_handoffs = s->syscall_handoffs.load(std::memory_order_relaxed);
  st.stack_reserved = s->stacks.reserved_bytes();
  st.stack_committed = s->stacks.committed_bytes();
  return st;
}

void dump_goroutines(std::FILE* out) {
  if (sched::Sched* s = sched::current_sched()) debug::dump_goroutines(s, out);
}

}  // namespace goro
