// "fatal error: all goroutines are asleep - deadlock!" (Go's checkdead).
//
// Called with Sched::lock held whenever an M goes idle. The runtime is
// deadlocked when run()'s main goroutine exists and is waiting, and nothing
// can ever make a goroutine runnable again:
//  - every M is idle (none runs a goroutine, none is inside goro::blocking()),
//  - no goroutine is runnable (a G queued by a foreign thread a moment ago
//    means an M is about to be woken),
//  - no timer or poller wait is pending (Sched::pending_wakeups),
//  - no foreign thread is inside a goro call, and no foreign thread is alive
//    at all: a thread the runtime does not know may still hold a channel and
//    send on it later. Like Go with cgo threads, goro then cannot decide, and
//    the caller asks again later.
// Exact, not heuristic: under load some M is running, so the check never
// gets past its first test.
#include "runtime/sched/internal.hpp"

#include "runtime/debug/fatal.hpp"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace goro::sched {
namespace {

// ThreadSanitizer runs a background thread of its own from the first
// pthread_create on (there is an M by the time this check runs).
#if defined(__SANITIZE_THREAD__)
constexpr int kSanitizerThreads = 1;
#else
constexpr int kSanitizerThreads = 0;
#endif

int count_threads() noexcept {
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return -1;
  int n = 0;
  while (dirent* e = readdir(dir)) n += (e->d_name[0] != '.');
  closedir(dir);
  return n;
}

}  // namespace

bool check_dead(Sched* s) noexcept {
  if (!s->config.deadlock_detect || !s->main_g || s->main_done.woken() || s->stopping.load()) return false;
  int running = s->mcount - s->nmidle - s->nmidle_locked;
  if (running > 0) return false;
  if (running < 0) debug::fatalf("checkdead: inconsistent M counts (%d Ms, %d idle, %d locked)", s->mcount, s->nmidle, s->nmidle_locked);
  if (s->runq.size_locked() != 0) return false;
  if (s->pending_wakeups.load() > 0 || s->foreign_waiters.load() > 0) return false;  // a timer will fire
  bool main_waiting = false;
  s->allg_lock.lock();
  for (G* g = s->allg; g; g = g->all_next) {
    GStatus st = g->load_status();
    if (st == GStatus::runnable || st == GStatus::running || st == GStatus::syscall) {
      s->allg_lock.unlock();
      return false;
    }
    if (g == s->main_g && st == GStatus::waiting) main_waiting = true;
  }
  s->allg_lock.unlock();
  if (!main_waiting) return false;
  // Our threads: every M, sysmon, the helpers, and the one blocked in run()
  // for the main goroutine.
  int ours = s->mcount + 1 + (s->sysmon.started ? 1 : 0) + s->helper_threads.load(std::memory_order_relaxed) +
             kSanitizerThreads;
  int threads = count_threads();
  if (threads < 0 || threads > ours) return true;  // foreign threads alive: ask again later
  std::fflush(stdout);
  std::fputs("fatal error: all goroutines are asleep - deadlock!\n\n", stderr);
  debug::dump_goroutines(s, stderr);
  std::fflush(stderr);
  std::_Exit(2);
}

}  // namespace goro::sched
