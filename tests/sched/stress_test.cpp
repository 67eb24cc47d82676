// Scheduler storms (suite 'stress'): many goroutines spawning, parking,
// readying, yielding, locking their thread and blocking at random, with
// exact accounting at the end. Sized by GORO_STRESS_SCALE (meson option
// stress_scale; CI runs 1).
#include "tests/support/stress.hpp"
#include "tests/sched/support.hpp"

#include <goro/goro.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <thread>

namespace goro::test {
namespace {

// Each worker does `steps` random actions; every spawned child and every
// hand-off is counted, so a lost or doubly-run goroutine shows in the totals.
struct Storm {
  std::atomic<long> actions{0};
  std::atomic<long> children_run{0};
  std::atomic<long> children_spawned{0};
  std::atomic<long> handoffs{0};
};

void worker(Storm& st, Latch& done, int seed, int steps) {
  std::mt19937 rng(seed);
  for (int i = 0; i < steps; ++i) {
    switch (rng() % 6) {
      case 0:
        goro::yield();
        break;
      case 1: {
        st.children_spawned++;
        goro::go([&st] { st.children_run++; });
        break;
      }
      case 2: {
        // A hand-off: a child parks on an event, we ready it and wait for it.
        auto ev = std::make_shared<Event>();
        auto back = std::make_shared<Event>();
        goro::go([ev, back, &st] {
          ev->wait();
          st.handoffs++;
          back->notify();
        });
        ev->notify();
        back->wait();
        break;
      }
      case 3:
        goro::blocking([] { std::this_thread::sleep_for(std::chrono::microseconds(50)); });
        break;
      case 4: {
        goro::lock_os_thread();
        goro::yield();
        goro::unlock_os_thread();
        break;
      }
      default:
        break;
    }
    st.actions++;
  }
  done.count_down();
}

class Stress : public Procs {};

TEST_P(Stress, RandomStorm) {
  const int workers = 200 * stress_scale();
  const int steps = 300;
  Storm st;
  goro::run([&] {
    Latch done(workers);
    for (int w = 0; w < workers; ++w) goro::go([&, w] { worker(st, done, w, steps); });
    done.wait();
    // Children that were spawned but not yet run finish now.
    while (st.children_run.load() != st.children_spawned.load()) goro::yield();
  }, {.procs = GetParam()});
  EXPECT_EQ(st.actions.load(), long{workers} * steps);
  EXPECT_EQ(st.children_run.load(), st.children_spawned.load());
  EXPECT_GT(st.handoffs.load(), 0);
}

TEST_P(Stress, RepeatedRunsUnderLoad) {
  for (int r = 0; r < 20 * stress_scale(); ++r) {
    std::atomic<long> ran{0};
    goro::run([&] {
      Latch done(1000);
      for (int i = 0; i < 1000; ++i) goro::go([&] { goro::yield(); ran++; done.count_down(); });
      done.wait();
    }, {.procs = GetParam()});
    ASSERT_EQ(ran.load(), 1000);
  }
}

INSTANTIATE_TEST_SUITE_P(Sched, Stress, ::testing::Values(1, 2, 8, 32), procs_name);

}  // namespace
}  // namespace goro::test
