// Lock bias: channel locks taken with plain stores while one thread in the
// process is the only one taking them.
//
// A channel lock costs a CAS, a locked read-modify-write that also drains
// the store buffer (~20 cycles here), even when one thread is all that ever
// touches the channel, as every channel operation is with gomaxprocs 1. Two
// of them were half of a buffered item's cost (buffered_1p1c/procs:1: 20.6 ns
// an item; 10.0 ns with plain stores).
//
// The protocol. At most one thread, the owner, takes biased locks with plain
// stores. Every thread counts the biased locks it holds or is taking
// (Rec::held, written only by its own thread). The owner changes only under
// a process-wide mutex, by an asymmetric Dekker handshake whose heavy side is
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), a full barrier run on every
// thread of the process, and whose light side is a compiler barrier: the
// lock's fast path has no fence.
//  - lock: held += 1; compiler barrier; if owner == me, a plain store takes
//    the lock word; else (revoking the owner first if there is one) the CAS.
//    unlock: the usual release of the word, then held -= 1 (release).
//  - revoke (a thread that is not the owner wants a biased lock): owner =
//    null; membarrier; wait until the old owner's held is 0. An owner whose
//    held += 1 came before the barrier is seen and waited for; one whose
//    increment came after it reads owner == null and takes the CAS path.
//  - grant (a thread makes itself the owner): owner = me; membarrier; if any
//    other thread's held is not 0, owner = null again and the grant fails. A
//    locker whose held += 1 came before the barrier is seen; one whose
//    increment came after it reads owner == me and revokes, which waits on the
//    mutex until the grant is settled.
//  - held's release decrements and the acquire loads of revoke and grant make
//    everything a thread did under its locks visible to the next owner and to
//    the CAS lockers after a revocation.
//
// Who owns: the M holding the only P while gomaxprocs is 1 (solo mode,
// solo.hpp) asks for the bias when it looks for work; never sooner than
// 10 ms after a revocation, so threads taking turns on channels cost two
// membarriers per 10 ms at most. An owner keeps the bias while it sleeps
// without a P (it holds no lock then, so a revocation is one membarrier and
// no wait; dropping it would cost a grant at every wake-up) and gives it up
// when its thread exits.
//
// Off under TSan (it cannot see membarrier's ordering), where membarrier is
// missing (qemu-user, old kernels) and with GORODEBUG=lockbias=0.
//
// Costs: a 64-byte record per thread that ever takes a biased lock, kept for
// the life of the process (a thread may take one in its TLS destructors, so
// a record is never known to be free).
#pragma once
#include "runtime/sched/futex.hpp"
#include "runtime/sched/tls.hpp"

#include <atomic>
#include <cstdint>

namespace goro::sched::bias {

struct alignas(64) Rec {
  std::atomic<std::uint32_t> held{0};  // biased locks held or being taken; this thread writes it
  Rec* next = nullptr;                 // the registry (bias.cpp), under its mutex
};

}  // namespace goro::sched::bias

// This thread's record (null until its first biased lock). Read through
// t_rec(): a lock taken after a park must count on the thread it runs on.
GORO_TLS_DECLARE(goro::sched::bias::Rec*, goro_tls_bias_rec);

namespace goro::sched::bias {

GORO_TLS_ACCESSOR(t_rec, Rec*, goro_tls_bias_rec)
GORO_TLS_READER(self_rec, Rec*, goro_tls_bias_rec)
extern std::atomic<Rec*> g_owner;

Rec* register_thread() noexcept;       // the calling thread's record, made on first use
void revoke(Rec* self) noexcept;       // takes the bias from its owner (not self)
// The calling thread asks to become the owner (now: nanotime()). Cheap when it
// already is, or when the bias is off or recently revoked.
void try_grant(std::int64_t now) noexcept;
void drop() noexcept;                  // the calling thread gives the bias up, if it has it
bool held_by_this_thread() noexcept;   // for tests
std::uint64_t revocations() noexcept;  // for tests: how many so far
bool enabled() noexcept;               // membarrier works and nothing turned the bias off

// A sched::Lock taken with a plain store by the bias owner.
class BiasedLock {
 public:
  void lock() noexcept {
#if defined(__SANITIZE_THREAD__)
    lock_.lock();
#else
    Rec* r = self_rec();
    if (!r) [[unlikely]]
      r = register_thread();
    r->held.store(r->held.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // membarrier supplies the fence
    Rec* owner = g_owner.load(std::memory_order_relaxed);
    if (owner == r) [[likely]] {
      lock_.lock_unshared();
      return;
    }
    if (owner) [[unlikely]]
      revoke(r);
    lock_.lock();
#endif
  }
  void unlock() noexcept {
    lock_.unlock();
#if !defined(__SANITIZE_THREAD__)
    Rec* r = self_rec();
    r->held.store(r->held.load(std::memory_order_relaxed) - 1, std::memory_order_release);
#endif
  }

 private:
  Lock lock_;
};

}  // namespace goro::sched::bias
