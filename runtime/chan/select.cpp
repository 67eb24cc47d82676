// select (Go's selectgo). The protocol, beside the code that keeps it:
//
//  1. Poll order: a uniformly random permutation of the non-nil cases
//     (Fisher-Yates over a per-thread xorshift), so every ready case is as
//     likely to run as any other.
//  2. Lock order: the distinct channels sorted by address; a channel named
//     by several cases is locked once. Every select and every plain
//     operation takes at most one lock or locks in this order, so no two
//     can deadlock.
//  3. Pass 1, all locked: the first ready case in poll order runs (a parked
//     partner, a buffered value or room, or a closed channel). None ready:
//     the default case runs if there is one.
//  4. Pass 2: one WaitEntry per case is queued on its channel; all share one
//     sched::Waiter and one SelectState. The caller parks; Waiter::block
//     releases the locks once that is safe.
//  5. Whoever wakes us won the CAS of SelectState::done on one entry (see
//     chan.hpp) and set waiter.owner to it. Pass 3 locks everything again
//     and unlinks our entries that are still queued (the others were
//     claimed or dropped as stale), then reports the winning case.
// Our own entries are only queued while we are parked, and pass 1 runs
// before they are, so a select holding both ends of a channel never pairs
// with itself. Handlers run in the template (select.hpp) after all of this,
// with no lock held.
#include "runtime/chan/chan.hpp"

#include <goro/select.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

namespace goro::detail {

namespace {

using chan::Result;
using chan::Status;
using chan::WaitEntry;

// Per-thread xorshift64*; read through a non-inlined call so that no TLS
// address is kept across a park (the G may resume on another M).
__attribute__((noinline)) std::uint32_t fastrand() noexcept {
  thread_local std::uint64_t state = 0;
  std::uint64_t x = state;
  if (x == 0) {
    x = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        reinterpret_cast<std::uintptr_t>(&state) ^ 0x9E3779B97F4A7C15ull;
    if (x == 0) x = 1;
  }
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state = x;
  return static_cast<std::uint32_t>((x * 0x2545F4914F6CDD1Dull) >> 32);
}

// Uniform in [0, n) (Lemire's multiply-shift; bias < n / 2^32).
std::uint32_t fastrandn(std::uint32_t n) noexcept {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(fastrand()) * n) >> 32);
}

struct LockSet {
  ChanCore** chans;
  std::size_t n;

  void lock() noexcept {
    for (std::size_t i = 0; i < n; ++i) chans[i]->lock.lock();
  }
  void unlock() noexcept {
    for (std::size_t i = n; i-- > 0;) chans[i]->lock.unlock();
  }
};

// Scratch space: on the stack for the usual handful of cases.
template <class T, std::size_t N>
struct Scratch {
  explicit Scratch(std::size_t n) : p(n <= N ? small : (heap = std::make_unique<T[]>(n)).get()) {}
  T small[N];
  std::unique_ptr<T[]> heap;
  T* p;
};

// Releases every lock, then wakes the partner pass 1 claimed (also on an exception).
struct LockedAll {
  LockSet& locks;
  chan::Wakeup wake;
  bool held = true;
  ~LockedAll() {
    if (held) locks.unlock();
    wake.wake();
  }
};

}  // namespace

SelectResult select_impl(SelectCase* cases, std::size_t n) {
  constexpr std::size_t kSmall = 8;
  Scratch<std::uint32_t, kSmall> order_buf(n);
  Scratch<ChanCore*, kSmall> chans_buf(n);
  std::uint32_t* order = order_buf.p;
  ChanCore** chans = chans_buf.p;

  std::size_t npoll = 0;
  std::size_t default_index = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (cases[i].kind == CaseKind::default_) {
      default_index = i;
    } else if (cases[i].chan) {
      // Inside-out Fisher-Yates: a uniform permutation of the non-nil cases.
      std::uint32_t j = fastrandn(static_cast<std::uint32_t>(npoll + 1));
      if (j != npoll) order[npoll] = order[j];
      order[j] = static_cast<std::uint32_t>(i);
      ++npoll;
    }
  }
  if (npoll == 0) {
    if (default_index < n) return {default_index, false};
    chan::block_forever(n == 0 ? sched::WaitReason::select_no_cases : sched::WaitReason::select);
  }

  // Distinct channels in address order (insertion sort: n is small).
  std::size_t nchans = 0;
  for (std::size_t k = 0; k < npoll; ++k) {
    ChanCore* c = cases[order[k]].chan;
    std::size_t j = nchans;
    bool dup = false;
    while (j > 0 && chans[j - 1] >= c) {
      if (chans[j - 1] == c) {
        dup = true;
        break;
      }
      --j;
    }
    if (dup) continue;
    for (std::size_t m = nchans; m > j; --m) chans[m] = chans[m - 1];
    chans[j] = c;
    ++nchans;
  }
  LockSet locks{chans, nchans};

  for (;;) {
    sched::Waiter w;
    chan::SelectState state;
    Scratch<WaitEntry, kSmall> entries_buf(npoll);
    WaitEntry* entries = entries_buf.p;  // entries[k] is for cases[order[k]]
    {
      locks.lock();
      LockedAll guard{locks, {}};
      // Pass 1.
      for (std::size_t k = 0; k < npoll; ++k) {
        SelectCase& sc = cases[order[k]];
        if (sc.kind == CaseKind::send) {
          if (sc.chan->send_locked(sc.elem, guard.wake) == Status::done) return {order[k], true};
        } else {
          switch (sc.chan->recv_locked(sc.elem, guard.wake)) {
            case Status::done: return {order[k], true};
            case Status::closed: return {order[k], false};
            case Status::would_block: break;
          }
        }
      }
      if (default_index < n) return {default_index, false};
      // Pass 2.
      for (std::size_t k = 0; k < npoll; ++k) {
        SelectCase& sc = cases[order[k]];
        WaitEntry& e = entries[k];
        e.waiter = &w;
        e.elem = sc.elem;
        e.select = &state;
        (sc.kind == CaseKind::send ? sc.chan->sendq : sc.chan->recvq).push(&e);
      }
      guard.held = false;  // Waiter::block releases them
    }
    w.block([](void* l) { static_cast<LockSet*>(l)->unlock(); }, &locks, sched::WaitReason::select);

    // Pass 3.
    locks.lock();
    for (std::size_t k = 0; k < npoll; ++k) {
      WaitEntry& e = entries[k];
      if (e.queued) {
        SelectCase& sc = cases[order[k]];
        (sc.kind == CaseKind::send ? sc.chan->sendq : sc.chan->recvq).remove(&e);
      }
    }
    locks.unlock();

    auto* won = static_cast<WaitEntry*>(w.owner);
    std::size_t k = static_cast<std::size_t>(won - entries);
    std::size_t index = order[k];
    switch (won->result) {
      case Result::ok: return {index, true};
      case Result::closed:
        if (cases[index].kind == CaseKind::send) chan::throw_send_on_closed();
        return {index, false};
      case Result::error: std::rethrow_exception(won->error);
      default: break;  // retry: a partner's move threw; poll again
    }
  }
}

}  // namespace goro::detail
