// G: a goroutine. See sched.hpp for how G, M and P fit together.
#pragma once

#include "arch/context.hpp"
#include "runtime/stack/stack.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace goro::sched {

struct M;
struct P;

// A G's status says who owns it. Every change goes through G::transition,
// which treats an unexpected current status as a runtime bug (fatal error).
enum class GStatus : std::uint8_t {
  idle,      // just allocated or on a free list; owned by whoever allocated it
  runnable,  // in a run queue (a P's ring or runnext, the global queue, an M's own
             // queue); owned by that queue, taken out only by its consumers
  running,   // executing on an M that holds a P; owned by that M
  syscall,   // inside goro::blocking(); owned by its M, which holds no P
  waiting,   // parked; owned by whatever will ready() it (a channel, a sema...)
  dead,      // finished; its M frees it after switching off its stack
};
const char* status_name(GStatus s) noexcept;

// Why a waiting G waits: printed by deadlock reports and goroutine dumps.
enum class WaitReason : std::uint8_t {
  none,
  chan_receive,
  chan_send,
  select,
  select_no_cases,
  chan_receive_nil,
  chan_send_nil,
  sleep,
  sync_mutex_lock,
  sync_rwmutex_lock,
  sync_rwmutex_rlock,
  sync_cond_wait,
  sync_waitgroup_wait,
  io_wait,
  timer_goroutine_idle,
  forever,  // parked with nobody to wake it (tests, runtime internals)
};
const char* wait_reason_name(WaitReason r) noexcept;

// The goroutine's function, type-erased by include/goro/go.hpp. The storage
// lives inline in the G when it fits (most closures do), else on the heap.
struct Closure {
  void (*invoke)(void* self) = nullptr;
  void (*destroy)(void* self) = nullptr;
  void* self = nullptr;
  bool heap = false;
};

// libstdc++'s per-thread exception state (__cxa_eh_globals): the stack of
// caught exceptions and the uncaught count. It belongs to the G, not the
// thread: a G that parks inside a catch block may resume on another M.
// Laid out like __cxa_eh_globals (caughtExceptions, uncaughtExceptions),
// so the switch copies it in and out of the thread's own record whole.
struct ExceptionState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};
static_assert(sizeof(ExceptionState) == 2 * sizeof(void*));

struct alignas(64) G {
  static constexpr std::size_t kInlineClosure = 96;

  arch::Context context = nullptr;  // valid while not running
  stack::Stack stack;               // allocated at first run
  std::atomic<GStatus> status{GStatus::idle};
  WaitReason wait_reason = WaitReason::none;
  bool is_main = false;             // the goroutine whose return ends run()
  std::uint64_t id = 0;             // never reused
  std::int64_t wait_since_ns = 0;   // when it parked (monotonic)
  int saved_errno = 0;
  ExceptionState eh;
  M* locked_m = nullptr;            // lock_os_thread(): the only M it may run on
  // locked_m was set by asynchronous preemption, not by the user: the G
  // must resume on that M, and is released at its next voluntary switch.
  bool preempt_locked = false;
  G* next = nullptr;                // intrusive link: GLists (overflow batches, poller hand-offs)
  G* all_next = nullptr;            // the list of every G (for dumps and deadlock checks)
  void* fiber = nullptr;            // sanitizer fiber (TSan builds only)
  void* fake_stack = nullptr;       // its ASan fake stack while switched out (ASan builds only)
  Closure closure;
  alignas(16) std::byte closure_buf[kInlineClosure];

  // Moves from `from` to `to`; anything else is a runtime bug (fatal error).
  // A check and a plain store, not a CAS: by the ownership rules above only
  // the G's current owner moves it, so no store races another; a status
  // other than `from` means those rules were broken somewhere.
  void transition(GStatus from, GStatus to) noexcept {
    GStatus seen = status.load(std::memory_order_acquire);
    if (seen != from) [[unlikely]]
      bad_transition(seen, from, to);
    status.store(to, std::memory_order_release);
  }
  [[noreturn]] void bad_transition(GStatus seen, GStatus from, GStatus to) const noexcept;
  GStatus load_status() const noexcept { return status.load(std::memory_order_acquire); }
};

}  // namespace goro::sched
