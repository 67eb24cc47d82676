// goro::stats(): the stack figures move with what goroutines do.
#include <goro/goro.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace goro::test {
namespace {

constexpr std::size_t kKiB = 1024;

// Recurses `frames` frames of ~1 KiB, each written whole. Not instrumented
// by ASan: with detect_stack_use_after_return its frames would live on
// ASan's heap-allocated fake stack instead of the goroutine's.
[[gnu::noinline, gnu::no_sanitize_address]] std::size_t statstest_recurse(int frames) {
  volatile char frame[1000];
  for (volatile char& c : frame) c = 1;
  if (frames <= 1) return 1;
  return statstest_recurse(frames - 1) + std::size_t(frame[0]);
}

class Stats : public ::testing::TestWithParam<int> {};

// 200 goroutines each 96 KiB deep, parked there: stack_committed rises by
// at least what they touched, and stays within the reservations.
TEST_P(Stats, StackCommittedRisesWithDeepGoroutines) {
  goro::run([] {
    constexpr int kGoroutines = 200, kFrames = 96;
    const goro::Stats before = goro::stats();
    goro::WaitGroup deep, release_them, finished;
    deep.add(kGoroutines);
    release_them.add(1);
    finished.add(kGoroutines);
    for (int i = 0; i < kGoroutines; ++i)
      goro::go([&] {
        statstest_recurse(kFrames);
        deep.done();
        release_them.wait();  // parked, its stack still as deep as it went
        finished.done();
      });
    deep.wait();
    const goro::Stats during = goro::stats();
    EXPECT_GE(during.stack_committed, before.stack_committed + kGoroutines * kFrames * kKiB)
        << before.stack_committed << " -> " << during.stack_committed;
    EXPECT_LE(during.stack_committed, during.stack_reserved);
    release_them.done();
    finished.wait();
  }, {.procs = GetParam()});
}

INSTANTIATE_TEST_SUITE_P(, Stats, ::testing::Values(1, 2, 8), [](const auto& info) {
  return "procs" + std::to_string(info.param);
});

}  // namespace
}  // namespace goro::test
