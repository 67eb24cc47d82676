#include "runtime/debug/schedtrace.hpp"

#include "runtime/debug/godebug.hpp"

#include "runtime/sched/sched.hpp"

#include <pthread.h>

#include <cstdio>
#include <new>

namespace goro::debug {
namespace {

struct Tracer {
  sched::Sched* s = nullptr;
  std::int64_t start_ns = 0;
  std::int64_t period_ns = 0;
  sched::Note stop;
  pthread_t thread{};
};

Tracer* g_tracer = nullptr;  // written by start/stop only (one runtime at a time)

void* tracer_main(void* arg) {
  auto* t = static_cast<Tracer*>(arg);
  std::int64_t next = t->start_ns + t->period_ns;
  for (;;) {
    std::int64_t wait = next - sched::nanotime();
    if (wait > 0 && t->stop.sleep_for(wait)) break;
    char line[256 + 12 * sched::Sched::kMaxProcs];
    format_schedtrace(t->s, (sched::nanotime() - t->start_ns) / 1'000'000, line, sizeof line);
    std::fprintf(stderr, "%s\n", line);
    next += t->period_ns;
  }
  return nullptr;
}

}  // namespace

void format_schedtrace(sched::Sched* s, long long ms, char* buf, unsigned size) noexcept {
  s->lock.lock();
  int threads = s->mcount;
  int idle_threads = s->nmidle + s->nmidle_locked;
  long long global = s->runq.size_locked();
  s->lock.unlock();
  int procs = s->nprocs.load(std::memory_order_acquire);
  int n = std::snprintf(buf, size,
                        "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d idlethreads=%d runqueue=%lld [",
                        ms, procs, s->npidle.load(std::memory_order_relaxed), threads,
                        s->nmspinning.load(std::memory_order_relaxed), idle_threads, global);
  for (int i = 0; i < procs && n > 0 && static_cast<unsigned>(n) < size; ++i) {
    sched::P* p = s->allp[i];
    unsigned len = p ? p->runq.size() + (p->runnext.load(std::memory_order_relaxed) ? 1 : 0) : 0;
    n += std::snprintf(buf + n, size - static_cast<unsigned>(n), i == 0 ? "%u" : " %u", len);
  }
  if (n > 0 && static_cast<unsigned>(n) < size) std::snprintf(buf + n, size - static_cast<unsigned>(n), "]");
}

void start_schedtrace(sched::Sched* s) noexcept {
  int ms = godebug().schedtrace_ms;
  if (ms <= 0 || g_tracer) return;
  auto* t = new (std::nothrow) Tracer;
  if (!t) return;
  t->s = s;
  t->start_ns = sched::nanotime();
  t->period_ns = static_cast<std::int64_t>(ms) * 1'000'000;
  s->helper_threads.fetch_add(1, std::memory_order_relaxed);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  if (pthread_create(&t->thread, &attr, &tracer_main, t) != 0) {
    s->helper_threads.fetch_sub(1, std::memory_order_relaxed);
    delete t;
    t = nullptr;
  }
  pthread_attr_destroy(&attr);
  g_tracer = t;
}

void stop_schedtrace(sched::Sched* s) noexcept {
  Tracer* t = g_tracer;
  if (!t || t->s != s) return;
  t->stop.wake();
  pthread_join(t->thread, nullptr);
  s->helper_threads.fetch_sub(1, std::memory_order_relaxed);
  g_tracer = nullptr;
  delete t;
}

}  // namespace goro::debug
