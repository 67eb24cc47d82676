// Goroutine-parking test and benchmark helpers over the scheduler's internal
// park/ready API, until channels and sync land: just enough to make
// goroutines wait for each other.
#pragma once

#include "runtime/sched/sched.hpp"

#include <atomic>
#include <cstdint>
#include <vector>

namespace goro::test {

// A one-shot event goroutines park on until notify().
class Event {
 public:
  void wait() {
    lock_.lock();
    if (set_) {
      lock_.unlock();
      return;
    }
    waiters_.push_back(sched::current_g());
    sched::park([](sched::G*, void* l) { static_cast<sched::Lock*>(l)->unlock(); return true; }, &lock_,
                sched::WaitReason::chan_receive);
  }
  void notify() {
    lock_.lock();
    set_ = true;
    std::vector<sched::G*> ws;
    ws.swap(waiters_);
    lock_.unlock();
    for (sched::G* g : ws) sched::ready(g);
  }

 private:
  sched::Lock lock_;
  bool set_ = false;
  std::vector<sched::G*> waiters_;
};

// Counts down to zero, then releases its waiters (a WaitGroup stand-in).
class Latch {
 public:
  explicit Latch(std::int64_t n) : count_(n) {}
  void count_down() {
    if (count_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_.notify();
  }
  // Always through the event's lock, even when the count is already zero:
  // the last count_down() may still be inside notify(), and returning early
  // would let the caller destroy the latch under it.
  void wait() { done_.wait(); }

 private:
  std::atomic<std::int64_t> count_;
  Event done_;
};

}  // namespace goro::test
