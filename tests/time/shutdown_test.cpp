// Timers still pending when run() returns (sched::discard_timers): after()
// and after_func timers are freed unfired, and Timer, Ticker and Context
// handles that outlive their runtime stay safe to use. procs 1, 2, 8.
//
// Under ASan, LeakSanitizer also checks this binary at exit: before
// discard_timers, each after() and after_func pending at shutdown leaked its
// timer, and a Timer handle used after run() read the freed P's heap.
#include "tests/sched/support.hpp"

#include "runtime/chan/chan.hpp"

#include <goro/goro.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace goro::test {
namespace {

using namespace std::chrono_literals;

class Shutdown : public Procs {};

// How many handles share a channel's core (the test's own included).
long handles(const Chan<Clock::time_point>& c) { return c.core()->refs.load(); }

TEST_P(Shutdown, PendingAfterFuncIsReleasedWithoutRunning) {
  auto token = std::make_shared<int>(0);
  std::atomic<bool> ran{false};
  goro::run([&] {
    goro::after_func(1h, [token, &ran] { ran = true; });
    for (int i = 0; i < 100; ++i) goro::after_func(1h + std::chrono::seconds(i), [token] {});
    EXPECT_EQ(token.use_count(), 102);
  }, {.procs = GetParam()});
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(token.use_count(), 1);  // every closure destroyed, none run
}

TEST_P(Shutdown, PendingAfterIsReleased) {
  std::unique_ptr<Chan<Clock::time_point>> kept;
  goro::run([&] {
    kept = std::make_unique<Chan<Clock::time_point>>(goro::after(1h));
    for (int i = 0; i < 100; ++i) (void)goro::after(1h);  // nobody keeps these channels
    EXPECT_EQ(handles(*kept), 2);  // ours and the timer's
  }, {.procs = GetParam()});
  EXPECT_EQ(handles(*kept), 1);
  EXPECT_FALSE(kept->try_recv().has_value());  // never fired
}

// A goroutine asleep at shutdown: its timer lives on its abandoned stack.
TEST_P(Shutdown, SleepingGoroutineIsAbandoned) {
  for (int round = 0; round < 3; ++round) {
    goro::run([] {
      goro::WaitGroup started;
      started.add(10);
      for (int i = 0; i < 10; ++i) goro::go([&started] {
        started.done();
        goro::sleep(1h);
      });
      started.wait();
    }, {.procs = GetParam()});
  }
}

// Timers of a stopped runtime never fire in a later one, even once due.
TEST_P(Shutdown, NextRuntimeSeesNoStaleTimers) {
  constexpr auto kDue = 200ms;
  std::atomic<bool> ran{false};
  std::unique_ptr<goro::Timer> timer;
  std::unique_ptr<goro::Ticker> ticker;
  std::unique_ptr<Chan<Clock::time_point>> after;
  auto start = Clock::now();
  goro::run([&] {
    goro::after_func(kDue, [&ran] { ran = true; });
    timer = std::make_unique<goro::Timer>(kDue);
    ticker = std::make_unique<goro::Ticker>(kDue);
    after = std::make_unique<Chan<Clock::time_point>>(goro::after(kDue));
  }, {.procs = GetParam()});
  if (Clock::now() - start >= kDue) GTEST_SKIP() << "the first runtime took longer than the timers' delay";
  goro::run([&] {
    goro::sleep(start + 2 * kDue - Clock::now());
    EXPECT_FALSE(ran.load());
    EXPECT_FALSE(timer->c().try_recv().has_value());
    EXPECT_FALSE(ticker->c().try_recv().has_value());
    EXPECT_FALSE(after->try_recv().has_value());
  }, {.procs = GetParam()});
}

// The defined behaviour of a handle used after its runtime stopped: its timer
// was discarded, so stop() reports it was not pending; reset() and a
// Ticker's reset need a running runtime (std::logic_error, as for a Timer
// created with none); destruction is harmless.
TEST_P(Shutdown, TimerOutlivingItsRuntime) {
  std::unique_ptr<goro::Timer> pending, fired;
  std::unique_ptr<goro::Ticker> ticker;
  goro::run([&] {
    pending = std::make_unique<goro::Timer>(1h);
    fired = std::make_unique<goro::Timer>(1ms);
    EXPECT_TRUE(fired->c().recv().has_value());
    ticker = std::make_unique<goro::Ticker>(1h);
  }, {.procs = GetParam()});
  EXPECT_FALSE(pending->stop());
  EXPECT_FALSE(pending->stop());
  EXPECT_FALSE(fired->stop());
  EXPECT_THROW(pending->reset(1ms), std::logic_error);
  EXPECT_THROW(fired->reset(1ms), std::logic_error);
  EXPECT_FALSE(pending->c().try_recv().has_value());
  ticker->stop();
  EXPECT_THROW(ticker->reset(1ms), std::logic_error);
  pending.reset();
  fired.reset();
  ticker.reset();
}

// ... and in a later runtime it is a stopped timer that reset() arms there.
TEST_P(Shutdown, TimerFromAnEarlierRuntimeResetsInTheNext) {
  std::unique_ptr<goro::Timer> timer;
  std::unique_ptr<goro::Ticker> ticker;
  goro::run([&] {
    timer = std::make_unique<goro::Timer>(1h);
    ticker = std::make_unique<goro::Ticker>(1h);
  }, {.procs = GetParam()});
  goro::run([&] {
    EXPECT_FALSE(timer->stop());
    EXPECT_FALSE(timer->reset(5ms));
    EXPECT_TRUE(timer->c().recv().has_value());
    EXPECT_FALSE(timer->stop());  // fired in this runtime
    EXPECT_FALSE(timer->reset(1h));
    EXPECT_TRUE(timer->reset(1h));  // pending in this runtime's heaps
    ticker->reset(2ms);
    EXPECT_TRUE(ticker->c().recv().has_value());
    EXPECT_TRUE(ticker->c().recv().has_value());
  }, {.procs = GetParam()});
  // Pending again at this shutdown: discarded, and stop() says so.
  EXPECT_FALSE(timer->stop());
  timer.reset();
  ticker.reset();
}

// A context with a deadline kept past its runtime: cancel and destroy are safe.
TEST_P(Shutdown, ContextWithDeadlineOutlivingItsRuntime) {
  std::unique_ptr<std::pair<goro::Context, goro::CancelFunc>> kept;
  goro::run([&] { kept = std::make_unique<std::pair<goro::Context, goro::CancelFunc>>(goro::with_timeout(goro::Context::background(), 1h)); }, {.procs = GetParam()});
  EXPECT_EQ(kept->first.err(), nullptr);  // the deadline never passed
  kept->second();
  EXPECT_NE(kept->first.err(), nullptr);
  kept.reset();
}

INSTANTIATE_TEST_SUITE_P(Time, Shutdown, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
