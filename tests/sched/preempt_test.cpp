// Asynchronous preemption (runtime/sched/preempt.hpp): a goroutine that never
// calls into the runtime is stopped by SIGURG once its time slice is over,
// only at safe points, and resumes with every register, the flags, the
// vector registers and its red zone intact. Options::preempt = false turns
// it off.
#include "tests/sched/support.hpp"

#include "runtime/sched/preempt.hpp"
#include "runtime/sched/sched.hpp"

#include <goro/goro.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace goro::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool preempt_available() {
  // Initialised by the first runtime; start one so the answer is settled.
  goro::Runtime rt({.procs = 1});
  return sched::preempt_supported();
}

#define SKIP_WITHOUT_PREEMPTION()                                                       \
  if (!preempt_available()) GTEST_SKIP() << "asynchronous preemption is off in this build " \
                                            "(AArch64, TSan, ASan or no symbol table)"

// A loop with no calls at all: only SIGURG can take the CPU from it.
__attribute__((noinline)) void spin_until(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
  }
}

struct Gaps {
  std::int64_t p50_us, max_us;
  int n;
};

Gaps gaps_of(std::vector<Clock::time_point>& at) {
  std::vector<std::int64_t> g;
  for (std::size_t i = 1; i < at.size(); ++i)
    g.push_back(std::chrono::duration_cast<std::chrono::microseconds>(at[i] - at[i - 1]).count());
  std::sort(g.begin(), g.end());
  if (g.empty()) return {0, 0, 0};
  return {g[g.size() / 2], g.back(), static_cast<int>(g.size())};
}

// procs = 1: a spinner never yields; a 1 ms sleep loop keeps ticking because
// the spinner is preempted every time slice (Go 1.19 here: p50 20 ms, max 41 ms).
TEST(Preempt, SpinnerDoesNotStopASleepLoop) {
  SKIP_WITHOUT_PREEMPTION();
  goro::run([] {
    std::atomic<bool> stop{false};
    std::vector<Clock::time_point> ticks;
    ticks.reserve(1000);
    Latch done(2);
    goro::go([&] {
      spin_until(stop);
      done.count_down();
    });
    goro::go([&] {
      auto end = Clock::now() + 1s;
      while (Clock::now() < end) {
        goro::sleep(1ms);
        ticks.push_back(Clock::now());
      }
      stop = true;
      done.count_down();
    });
    done.wait();
    Gaps g = gaps_of(ticks);
    std::printf("sleep loop beside a spinner (procs 1, slice 10 ms): %d ticks in 1 s, gap p50 %lld us, max %lld us; %llu preemptions\n",
                g.n + 1, static_cast<long long>(g.p50_us), static_cast<long long>(g.max_us),
                static_cast<unsigned long long>(goro::stats().preemptions));
    EXPECT_GE(g.n, 20);
    EXPECT_LT(g.max_us, 1'000'000);
    EXPECT_GE(goro::stats().preemptions, 1u);
  }, {.procs = 1});
}

// Options::preempt = false: the spinner keeps the only P until it stops by
// itself, so the sleep loop does not tick at all meanwhile.
TEST(Preempt, OptionOffMeansNoPreemption) {
  goro::run([] {
    std::atomic<bool> spinning{false}, stop{false};
    std::atomic<int> ticks_while_spinning{0};
    Latch done(2);
    goro::go([&] {
      while (!stop.load()) {
        goro::sleep(1ms);
        if (spinning.load()) ticks_while_spinning++;
      }
      done.count_down();
    });
    goro::go([&] {
      goro::sleep(5ms);
      spinning = true;
      auto end = Clock::now() + 300ms;
      while (Clock::now() < end) {
      }
      spinning = false;
      stop = true;
      done.count_down();
    });
    done.wait();
    EXPECT_EQ(ticks_while_spinning.load(), 0);
    EXPECT_EQ(goro::stats().preemptions, 0u);
  }, {.procs = 1, .preempt = false});
}

}  // namespace
}  // namespace goro::test
