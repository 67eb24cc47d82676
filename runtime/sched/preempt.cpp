// Asynchronous preemption (preempt.hpp).
#include "runtime/sched/preempt.hpp"

#include "runtime/sched/internal.hpp"

#include <csignal>
#include <sys/syscall.h>
#include <unistd.h>

namespace goro::sched {

namespace {
thread_local int t_lock_depth = 0;
}  // namespace

int& lock_depth() noexcept { return t_lock_depth; }

NoPreempt::NoPreempt() noexcept : m_(current_m()) {
  if (m_) m_->no_preempt++;
}
NoPreempt::~NoPreempt() {
  if (m_) m_->no_preempt--;
}

void preempt_init() noexcept {}
bool preempt_supported() noexcept { return false; }

bool preempt_m(Sched* s, M* m) noexcept {
  int tid = m->tid.load(std::memory_order_acquire);
  if (tid == 0) return false;
  m->preempt_req.store(true, std::memory_order_release);
  s->preempt_requests.fetch_add(1, std::memory_order_relaxed);
  return syscall(SYS_tgkill, getpid(), tid, SIGURG) == 0;
}

}  // namespace goro::sched
