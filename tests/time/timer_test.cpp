// after, Timer and Ticker (Go's time.After / NewTimer / NewTicker), procs 1, 2, 8.
#include "tests/sched/support.hpp"

#include <goro/goro.hpp>

#include <chrono>
#include <thread>

namespace goro::test {
namespace {

using namespace std::chrono_literals;

class Timers : public Procs {};

TEST_P(Timers, AfterDeliversTheTimeOnce) {
  goro::run([] {
    auto start = Clock::now();
    auto ch = goro::after(20ms);
    std::optional<Clock::time_point> t = ch.recv();
    ASSERT_TRUE(t.has_value());
    EXPECT_GE(*t - start, 20ms);
    EXPECT_GE(Clock::now() - start, 20ms);
    EXPECT_FALSE(ch.try_recv().has_value());  // one value, never closed
  }, {.procs = GetParam()});
}

TEST_P(Timers, SelectWithATimeout) {
  goro::run([] {
    goro::Chan<int> never(0);
    bool timed_out = false;
    std::size_t i = goro::select(goro::recv(never, [](int) {}),
                                 goro::recv(goro::after(10ms), [&](Clock::time_point) { timed_out = true; }));
    EXPECT_EQ(i, 1u);
    EXPECT_TRUE(timed_out);
  }, {.procs = GetParam()});
}

// Go's Stop/Reset return values.
TEST_P(Timers, StopAndResetReportWhetherTheTimerWasPending) {
  goro::run([] {
    goro::Timer t(1h);
    EXPECT_TRUE(t.stop());    // stopped a pending timer
    EXPECT_FALSE(t.stop());   // already stopped
    EXPECT_FALSE(t.reset(5ms));
    EXPECT_TRUE(t.c().recv().has_value());
    EXPECT_FALSE(t.stop());   // already fired
    EXPECT_FALSE(t.reset(1h));
    EXPECT_TRUE(t.reset(5ms));  // was pending (the 1h one)
    EXPECT_TRUE(t.c().recv().has_value());
  }, {.procs = GetParam()});
}

TEST_P(Timers, StoppedTimerNeverFires) {
  goro::run([] {
    goro::Timer t(10ms);
    EXPECT_TRUE(t.stop());
    goro::sleep(30ms);
    EXPECT_FALSE(t.c().try_recv().has_value());
  }, {.procs = GetParam()});
}

TEST_P(Timers, TickerTicksRepeatedly) {
  goro::run([] {
    auto start = Clock::now();  // before the ticker: its 5th tick is 25 ms after its creation
    goro::Ticker tick(5ms);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(tick.c().recv().has_value());
    EXPECT_GE(Clock::now() - start, 25ms);
    tick.stop();
  }, {.procs = GetParam()});
}

// A goroutine parking on a timer's channel just as that timer is due: the park
// holds the channel's lock until its context is saved, so the scheduler must
// not run the timer (which sends on that channel) before then. Running due
// timers while choosing the next G of a park deadlocked here (seen under qemu,
// where a goroutine is often late for its next tick).
TEST_P(Timers, ParkingOnADueTimersChannelDoesNotDeadlock) {
  goro::run([] {
    for (int i = 0; i < 20; ++i) {
      goro::Timer t(1ms);
      auto due = Clock::now() + 2ms;
      while (Clock::now() < due) {
      }  // no switch: the timer is overdue when recv parks
      ASSERT_TRUE(t.c().recv().has_value());
    }
    goro::Ticker tick(1ms);
    for (int i = 0; i < 20; ++i) {
      auto due = Clock::now() + 2ms;
      while (Clock::now() < due) {
      }
      ASSERT_TRUE(tick.c().recv().has_value());
    }
    tick.stop();
  }, {.procs = GetParam()});
}

// A slow receiver drops ticks instead of queueing them: the channel holds one.
TEST_P(Timers, TickerDropsTicksForASlowReceiver) {
  goro::run([] {
    goro::Ticker tick(2ms);
    goro::sleep(50ms);  // ~25 ticks pass while nobody receives
    EXPECT_EQ(tick.c().size(), 1u);
    EXPECT_TRUE(tick.c().try_recv().has_value());
    EXPECT_FALSE(tick.c().try_recv().has_value());
    tick.reset(1h);
    goro::sleep(10ms);
    EXPECT_FALSE(tick.c().try_recv().has_value());
    tick.stop();
  }, {.procs = GetParam()});
}

TEST(Time, TickerRejectsANonPositiveInterval) {
  goro::run([] { EXPECT_THROW(goro::Ticker(0ms), std::invalid_argument); }, {.procs = 1});
}

INSTANTIATE_TEST_SUITE_P(Time, Timers, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
