// ChanLock: the lock of one channel (ChanCore::lock), a sched::Lock biased
// to the thread that takes them all when there is one (bias.hpp), that
// checks the channel lock order in debug builds.
//
// The order (Go's select.go: "lock all channels in address order"): a thread
// holding channel locks takes another only at a higher address. select
// locks its distinct channels sorted by address (select.cpp); every other
// path holds one channel lock at a time. Two threads that both keep the
// order can never wait for each other in a cycle.
//
// The check (GORO_CHAN_LOCK_ORDER_CHECK, on unless buildtype=release: the
// meson option lock_order_check): each thread keeps the channel locks it
// holds as a stack, threaded through the locks themselves (`below_`, written
// only by the holder), whose top is the highest address held. Taking a
// channel lock at or below the top is `fatal error: channel lock order`,
// reported before waiting on the lock, so a would-be deadlock names itself.
// Locks are released on the thread that took them (a parked goroutine's are
// released by its M right after the switch, Waiter::block), mostly in
// reverse order; releasing out of order unlinks from the middle. Release
// builds keep none of it: a ChanLock is then exactly a sched::Lock.
#pragma once

#include "runtime/sched/bias.hpp"

namespace goro::chan {

#if defined(GORO_CHAN_LOCK_ORDER_CHECK)
inline constexpr bool kLockOrderChecked = true;
#else
inline constexpr bool kLockOrderChecked = false;
#endif

class ChanLock {
 public:
  void lock() noexcept {
#if defined(GORO_CHAN_LOCK_ORDER_CHECK)
    check_order();
    lock_.lock();
    ChanLock** top = held_top();
    below_ = *top;
    *top = this;
#else
    lock_.lock();
#endif
  }

  void unlock() noexcept {
#if defined(GORO_CHAN_LOCK_ORDER_CHECK)
    forget();
#endif
    lock_.unlock();
  }

 private:
  sched::bias::BiasedLock lock_;
#if defined(GORO_CHAN_LOCK_ORDER_CHECK)
  void check_order() const noexcept;  // fatal if this is at or below held_top
  void forget() noexcept;             // unlinks this from the thread's stack

  ChanLock* below_ = nullptr;  // the next lower lock this thread holds
  // The highest channel lock this thread holds (null: none). Through tls.hpp:
  // a lock taken after a park must be pushed on the thread it runs on.
  static ChanLock** held_top() noexcept;
#endif
};

static_assert(kLockOrderChecked || sizeof(ChanLock) == sizeof(sched::bias::BiasedLock),
              "release builds: a ChanLock is a BiasedLock and nothing more");

}  // namespace goro::chan
