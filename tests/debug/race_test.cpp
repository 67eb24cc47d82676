// ThreadSanitizer sees goroutines: a real data race between two goroutines
// running on different Ms is reported. Built and registered only in
// -Db_sanitize=thread builds (tests/debug/meson.build).
#include "tests/support/death.hpp"

#include <goro/goro.hpp>

#include <gmock/gmock.h>

#include <atomic>
#include <cstdlib>

namespace goro::test {
namespace {

// The racy counter. volatile so both loops really store to it.
volatile long g_counter = 0;

__attribute__((noinline)) void racy_increments() {
  for (int i = 0; i < 10000; ++i) g_counter = g_counter + 1;
}

void race() {
  goro::run([] {
    // A relaxed rendezvous: it makes both goroutines run at the same time
    // on two Ms without creating any happens-before edge between them.
    std::atomic<int> arrived{0};
    goro::WaitGroup wg;
    wg.add(2);
    for (int k = 0; k < 2; ++k) {
      goro::go([&] {
        arrived.fetch_add(1, std::memory_order_relaxed);
        while (arrived.load(std::memory_order_relaxed) < 2) {
        }
        racy_increments();
        wg.done();
      });
    }
    wg.wait();
  }, {.procs = 2});
}

TEST(Race, TwoGoroutinesWritingOneVariableAreReported) {
  use_death_test_style();
  GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
  EXPECT_EXIT({
    race();
    std::_Exit(0);
  }, ::testing::ExitedWithCode(0), "WARNING: ThreadSanitizer: data race(.|\n)*racy_increments");
}

// The same two goroutines with a mutex: no report (the fiber annotations
// carry the happens-before edges of goro's own synchronisation).
TEST(Race, MutexOrderedWritesAreNotReported) {
  use_death_test_style();
  GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
  EXPECT_EXIT({
    goro::run([] {
      goro::Mutex mu;
      long counter = 0;
      goro::WaitGroup wg;
      wg.add(2);
      for (int k = 0; k < 2; ++k) {
        goro::go([&] {
          for (int i = 0; i < 1000; ++i) {
            mu.lock();
            ++counter;
            mu.unlock();
          }
          wg.done();
        });
      }
      wg.wait();
      std::fprintf(stderr, "counter=%ld\n", counter);
    }, {.procs = 2});
    std::_Exit(0);
  }, ::testing::ExitedWithCode(0),
              ::testing::AllOf(::testing::HasSubstr("counter=2000"), ::testing::Not(::testing::HasSubstr("ThreadSanitizer"))));
}

}  // namespace
}  // namespace goro::test
