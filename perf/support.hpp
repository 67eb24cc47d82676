// Benchmark helpers over the scheduler's internal park/ready API: a Latch to
// join a batch of goroutines (a WaitGroup stand-in until sync lands).
//
// Unlike tests/sched/support.hpp, wait() always takes the Event's lock, so a
// waiter cannot return (and destroy a stack-allocated Latch) while the last
// count_down() is still inside notify().
#pragma once

#include "runtime/sched/sched.hpp"

#include <atomic>
#include <cstdint>

namespace goro::perf {

// A one-shot event with at most one waiter.
class Event {
 public:
  void wait() {
    lock_.lock();
    if (set_) {
      lock_.unlock();
      return;
    }
    waiter_ = sched::current_g();
    sched::park([](sched::G*, void* l) { static_cast<sched::Lock*>(l)->unlock(); return true; }, &lock_,
                sched::WaitReason::chan_receive);
  }
  void notify() {
    lock_.lock();
    set_ = true;
    sched::G* w = waiter_;
    waiter_ = nullptr;
    lock_.unlock();
    if (w != nullptr) sched::ready(w);
  }

 private:
  sched::Lock lock_;
  bool set_ = false;
  sched::G* waiter_ = nullptr;
};

// Counts down to zero, then releases its (single) waiter.
class Latch {
 public:
  explicit Latch(std::int64_t n) : count_(n) {}
  void count_down() {
    if (count_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_.notify();
  }
  void wait() { done_.wait(); }

 private:
  std::atomic<std::int64_t> count_;
  Event done_;
};

}  // namespace goro::perf
