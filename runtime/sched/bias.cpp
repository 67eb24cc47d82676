// Lock bias: the registry of per-thread records, and granting and revoking
// the bias (bias.hpp has the protocol).
#include "runtime/sched/bias.hpp"

#include "runtime/debug/fatal.hpp"
#include "runtime/debug/godebug.hpp"
#include "runtime/sched/sched.hpp"

#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <new>

GORO_TLS_DEFINE(goro::sched::bias::Rec*, goro_tls_bias_rec, nullptr);

namespace goro::sched::bias {

std::atomic<Rec*> g_owner{nullptr};

namespace {

constexpr std::int64_t kRegrantDelay = 10'000'000;  // ns after a revocation

std::mutex g_mu;            // the registry, g_owner's changes
Rec* g_all = nullptr;       // every record, newest first (under g_mu)
// 0: not tried yet; 1: membarrier registered and the bias allowed; -1: off.
std::atomic<int> g_state{0};
std::atomic<std::int64_t> g_revoked_at{0};  // nanotime of the last revocation
std::atomic<std::uint64_t> g_revocations{0};

bool register_barrier() noexcept {
  return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

bool expedited_barrier() noexcept { return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0; }

// A full memory barrier on every running thread of the process. A child of
// fork() starts unregistered (EPERM): it registers again.
bool barrier() noexcept {
  int saved = errno;
  bool ok = expedited_barrier() || (errno == EPERM && register_barrier() && expedited_barrier());
  errno = saved;
  return ok;
}

// barrier() where the handshake depends on it: it worked when the bias was
// allowed, so a failure now is a runtime bug.
void handshake_barrier() noexcept {
  if (!barrier()) debug::fatal("lock bias: membarrier failed after it worked");
}

// Under g_mu. Whether the bias may be used at all; registers this process
// for expedited membarriers on the first call.
bool usable_locked() noexcept {
  int st = g_state.load(std::memory_order_relaxed);
  if (st == 0) {
#if defined(__SANITIZE_THREAD__)
    st = -1;
#else
    bool ok = debug::godebug().lockbias && register_barrier() && barrier();
    st = ok ? 1 : -1;
#endif
    g_state.store(st, std::memory_order_relaxed);
  }
  return st == 1;
}

// Waits until r holds no biased lock (its critical sections are short: a
// channel operation's bookkeeping, never a wait).
void wait_unheld(const Rec* r) noexcept {
  for (int spins = 0; r->held.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins >= 64)
      sched_yield();
    else
      cpu_relax();
  }
}

// Marks the thread's record as no longer the owner when the thread exits.
struct ExitHook {
  ~ExitHook() { drop(); }
};

}  // namespace

Rec* register_thread() noexcept {
  auto* r = new (std::nothrow) Rec;
  if (!r) debug::fatal("out of memory (lock bias record)");
  {
    std::lock_guard<std::mutex> lk(g_mu);
    r->next = g_all;
    g_all = r;
  }
  *t_rec() = r;
  static thread_local ExitHook hook;
  (void)hook;
  return r;
}

void revoke(Rec* self) noexcept {
  std::lock_guard<std::mutex> lk(g_mu);
  Rec* owner = g_owner.load(std::memory_order_relaxed);
  if (!owner || owner == self) return;  // another revoker (or a failed grant) was first
  g_owner.store(nullptr, std::memory_order_relaxed);
  handshake_barrier();
  wait_unheld(owner);
  g_revoked_at.store(nanotime(), std::memory_order_relaxed);
  g_revocations.fetch_add(1, std::memory_order_relaxed);
}

void try_grant(std::int64_t now) noexcept {
#if defined(__SANITIZE_THREAD__)
  (void)now;
#else
  Rec* self = self_rec();
  if (self && g_owner.load(std::memory_order_relaxed) == self) return;
  if (g_state.load(std::memory_order_relaxed) < 0) return;
  std::int64_t revoked = g_revoked_at.load(std::memory_order_relaxed);
  if (revoked != 0 && now - revoked < kRegrantDelay) return;
  if (!self) self = register_thread();
  std::lock_guard<std::mutex> lk(g_mu);
  if (g_owner.load(std::memory_order_relaxed) || !usable_locked()) return;
  if (self->held.load(std::memory_order_relaxed) != 0) return;  // never inside a channel operation
  g_owner.store(self, std::memory_order_relaxed);
  handshake_barrier();
  for (Rec* r = g_all; r; r = r->next) {
    if (r != self && r->held.load(std::memory_order_acquire) != 0) {
      // Someone is inside a lock or about to take one: no bias this time.
      // Lockers that read owner == self meanwhile wait on g_mu, then find
      // it null and take the CAS path.
      g_owner.store(nullptr, std::memory_order_relaxed);
      g_revoked_at.store(now, std::memory_order_relaxed);
      return;
    }
  }
#endif
}

void drop() noexcept {
  Rec* self = self_rec();
  if (!self || g_owner.load(std::memory_order_relaxed) != self) return;
  std::lock_guard<std::mutex> lk(g_mu);
  // Only this thread takes the bias from itself this way, holding no biased
  // lock: stale readers of g_owner == self revoke, find it null, and go on.
  if (g_owner.load(std::memory_order_relaxed) == self) g_owner.store(nullptr, std::memory_order_release);
}

bool held_by_this_thread() noexcept {
  Rec* self = self_rec();
  return self && g_owner.load(std::memory_order_relaxed) == self;
}

std::uint64_t revocations() noexcept { return g_revocations.load(std::memory_order_relaxed); }

bool enabled() noexcept {
  std::lock_guard<std::mutex> lk(g_mu);
  return usable_locked();
}

}  // namespace goro::sched::bias
