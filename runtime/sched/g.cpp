#include "runtime/sched/g.hpp"

#include "runtime/debug/fatal.hpp"

namespace goro::sched {

const char* status_name(GStatus s) noexcept {
  switch (s) {
    case GStatus::idle: return "idle";
    case GStatus::runnable: return "runnable";
    case GStatus::running: return "running";
    case GStatus::syscall: return "syscall";
    case GStatus::waiting: return "waiting";
    case GStatus::dead: return "dead";
  }
  return "?";
}

const char* wait_reason_name(WaitReason r) noexcept {
  switch (r) {
    case WaitReason::none: return "";
    case WaitReason::chan_receive: return "chan receive";
    case WaitReason::chan_send: return "chan send";
    case WaitReason::select: return "select";
    case WaitReason::select_no_cases: return "select (no cases)";
    case WaitReason::chan_receive_nil: return "chan receive (nil chan)";
    case WaitReason::chan_send_nil: return "chan send (nil chan)";
    case WaitReason::sleep: return "sleep";
    case WaitReason::sync_mutex_lock: return "sync.Mutex.Lock";
    case WaitReason::sync_rwmutex_lock: return "sync.RWMutex.Lock";
    case WaitReason::sync_rwmutex_rlock: return "sync.RWMutex.RLock";
    case WaitReason::sync_cond_wait: return "sync.Cond.Wait";
    case WaitReason::sync_waitgroup_wait: return "sync.WaitGroup.Wait";
    case WaitReason::io_wait: return "IO wait";
    case WaitReason::timer_goroutine_idle: return "timer goroutine (idle)";
    case WaitReason::forever: return "forever";
  }
  return "?";
}

void G::bad_transition(GStatus seen, GStatus from, GStatus to) const noexcept {
  debug::fatalf("bad g status transition: goroutine %llu is %s, expected %s (moving to %s)",
                static_cast<unsigned long long>(id), status_name(seen), status_name(from), status_name(to));
}

}  // namespace goro::sched
