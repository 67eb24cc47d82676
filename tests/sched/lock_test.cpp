// sched::Lock, the runtime's own mutex (runtime/sched/futex.hpp): mutual
// exclusion under contention, and no sleeper left behind when the holder
// keeps it long enough for the others to go to sleep on the futex.
#include "runtime/sched/futex.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

using goro::sched::Lock;

// Runs body(thread, i) under the Lock from `threads` threads, `iters` times
// each, and returns how many times a plain counter under the Lock moved.
template <class Body>
long hammer(int threads, int iters, Body body) {
  Lock lock;
  long counter = 0;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < iters; ++i) {
        lock.lock();
        counter = counter + 1;
        body(t, i);
        lock.unlock();
      }
    });
  for (auto& t : ts) t.join();
  return counter;
}

// A plain counter under the Lock: a lost update shows a broken exclusion
// (and TSan reports the race).
TEST(Lock, ExcludesUnderContention) {
  EXPECT_EQ(hammer(4, 200'000, [](int, int) {}), 4L * 200'000);
}

// The holder keeps the Lock for 50 ms at a time, so waiters spin out and
// sleep (state 2). Every one of them must get it, many times over: a lost
// wake-up would strand a sleeper (the test's timeout catches a hang).
TEST(Lock, SleepersAllGetIt) {
  Lock lock;
  std::atomic<int> acquired{0};
  constexpr int kWaiters = 3, kRounds = 5;
  std::vector<std::thread> ts;
  for (int r = 0; r < kRounds; ++r) {
    lock.lock();
    for (int t = 0; t < kWaiters; ++t)
      ts.emplace_back([&] {
        lock.lock();
        acquired.fetch_add(1);
        lock.unlock();
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lock.unlock();
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(acquired.load(), kWaiters * kRounds);
}

// Short holds with a sleeper now and then: the mix where unlock's plain
// store can miss a sleeper that marked the word in between. The bounded
// sleep must still let everyone finish.
TEST(Lock, MixedHoldsFinish) {
  long n = hammer(6, 20'000, [](int t, int i) {
    if ((i + t) % 5000 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  });
  EXPECT_EQ(n, 6L * 20'000);
}

}  // namespace
