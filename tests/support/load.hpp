// Load and liveness for the stress tests: a watchdog, a register-checking
// spin loop and a channel pipeline that accounts for every value.
#pragma once

#include "tests/support/latch.hpp"

#include <goro/goro.hpp>
#include <gtest/gtest.h>

#include <vector>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace goro::test {

// A thread that aborts the process with a message unless the scope it
// guards ends within `limit`: a coarse bound (tens of seconds) for tests that
// would otherwise hang, never a timing assertion.
class Watchdog {
 public:
  Watchdog(const char* what, std::chrono::seconds limit)
      : thread_([this, what, limit] {
          const auto end = std::chrono::steady_clock::now() + limit;
          while (!done_.load() && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          if (!done_.load()) {
            std::fprintf(stderr, "%s: no progress in %lld s\n", what, static_cast<long long>(limit.count()));
            std::abort();
          }
        }) {}
  ~Watchdog() {
    done_ = true;
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// A pure loop with a private checksum: a preemption that lost or mixed up
// registers would (very likely) break a recomputation with the same input.
__attribute__((noinline)) inline std::uint64_t churn(std::uint64_t x, long n) {
  for (long i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

// source -> `stages` goroutines adding 1 -> the caller, over channels that
// alternate between capacity `cap` and unbuffered; work(v) runs on every value
// in every stage. Checks that each value arrived once, raised by `stages`,
// and returns once every pipeline goroutine is done with the channels.
template <class Work>
void run_adder_pipeline(int stages, long items, std::size_t cap, Work work) {
  std::vector<goro::Chan<long>> chans;
  for (int s = 0; s <= stages; ++s) chans.emplace_back(s % 2 ? 0 : cap);
  Latch done(stages + 1);
  goro::go([&] {
    for (long v = 1; v <= items; ++v) chans[0].send(v);
    chans[0].close();
    done.count_down();
  });
  for (int s = 0; s < stages; ++s) {
    goro::go([&, s] {
      while (auto v = chans[s].recv()) {
        work(*v);
        chans[s + 1].send(*v + 1);
      }
      chans[s + 1].close();
      done.count_down();
    });
  }
  long sum = 0, count = 0;
  while (auto v = chans[stages].recv()) {
    sum += *v;
    ++count;
  }
  done.wait();
  EXPECT_EQ(count, items);
  EXPECT_EQ(sum, items * (items + 1) / 2 + items * stages);
}

}  // namespace goro::test
