// sleep and after_func over the per-P timer heaps, with procs 1, 2 and 8.
#include "tests/sched/support.hpp"
#include "runtime/sched/internal.hpp"

#include <goro/goro.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace goro::test {
namespace {

using namespace std::chrono_literals;

TEST_P(Procs, SleepWaitsAtLeastTheDuration) {
  goro::run([] {
    for (auto d : {1ms, 5ms, 20ms}) {
      auto start = Clock::now();
      goro::sleep(d);
      EXPECT_GE(Clock::now() - start, d);
    }
    auto start = Clock::now();
    goro::sleep(0ms);
    goro::sleep(-5ms);
    EXPECT_LT(Clock::now() - start, 1s);  // at once (coarse liveness bound)
  }, {.procs = GetParam()});
}

// Every sleeper wakes, none before its deadline. (Wake order is pinned at
// the heap level below: across several Ms, the order in which woken
// goroutines get to record anything is up to the OS.)
TEST_P(Procs, SleepersWakeNoEarlierThanTheirDeadline) {
  goro::run([] {
    constexpr int kSleepers = 20;
    std::atomic<int> early{0};
    Latch done(kSleepers);
    for (int i = kSleepers - 1; i >= 0; --i) {
      goro::go([&, i] {
        auto d = std::chrono::milliseconds(5 + 3 * i);
        auto start = Clock::now();
        goro::sleep(d);
        if (Clock::now() - start < d) early++;
        done.count_down();
      });
    }
    done.wait();
    EXPECT_EQ(early.load(), 0);
  }, {.procs = GetParam()});
}

// Due timers fire in deadline order, whatever order they were added in, and
// deleted ones never fire.
std::vector<std::int64_t>* g_fired;

TEST(Time, TimersFireInDeadlineOrder) {
  goro::run([] {
    constexpr int kTimers = 1000;
    std::vector<sched::Timer> timers(kTimers);
    std::vector<std::int64_t> fired;
    g_fired = &fired;
    std::mt19937 rng(7);
    const std::int64_t base = sched::nanotime() + 10'000'000'000;  // nothing fires on its own
    for (auto& t : timers) {
      t.when = base + static_cast<std::int64_t>(rng() % 1'000'000);
      t.arg = &t;
      t.fn = [](void* self, std::int64_t) { g_fired->push_back(static_cast<sched::Timer*>(self)->when); };
      sched::add_timer(&t);
    }
    for (int i = 0; i < kTimers; i += 10) EXPECT_TRUE(sched::del_timer(&timers[i]));
    EXPECT_FALSE(sched::del_timer(&timers[0]));  // already removed
    sched::run_timers(sched::current_m()->p, base + 2'000'000);
    EXPECT_EQ(fired.size(), std::size_t{kTimers - kTimers / 10});
    EXPECT_TRUE(std::is_sorted(fired.begin(), fired.end()));
  }, {.procs = 1});
}

// A pending timer is not a deadlock: main sleeping alone is fine.
TEST_P(Procs, NoDeadlockWhileMainSleeps) {
  goro::run([] { goro::sleep(100ms); }, {.procs = GetParam()});
}

TEST_P(Procs, AfterFuncRunsInANewGoroutine) {
  goro::run([] {
    Event fired;
    std::uint64_t id = 0;
    auto start = Clock::now();
    goro::after_func(20ms, [&] {
      id = goro::goroutine_id();
      fired.notify();
    });
    fired.wait();
    EXPECT_GE(Clock::now() - start, 20ms);
    EXPECT_NE(id, 0u);
    EXPECT_NE(id, goro::goroutine_id());
  }, {.procs = GetParam()});
}

// The idle M sleeps until the next deadline, not in a polling loop.
TEST(Time, SleepingRuntimeUsesLittleCpu) {
  goro::run([] {
    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    for (int i = 0; i < 10; ++i) goro::sleep(100ms);
    getrusage(RUSAGE_SELF, &after);
    auto us = [](const rusage& r) {
      return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000L + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
    };
    EXPECT_LT(us(after) - us(before), 50'000) << "sleeping for 1 s burned CPU";
  }, {.procs = 4});
}

TEST(Time, SleepOutsideAGoroutineSleepsTheThread) {
  auto start = Clock::now();
  goro::sleep(10ms);
  EXPECT_GE(Clock::now() - start, 10ms);
}

TEST(Time, AfterFuncWithoutARuntimeThrows) {
  EXPECT_THROW(goro::after_func(1ms, [] {}), std::logic_error);
}

INSTANTIATE_TEST_SUITE_P(Time, Procs, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
