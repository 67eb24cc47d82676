// Channel locks biased to the only P's thread (runtime/sched/bias.hpp):
// who gets the bias, and that every other thread taking a channel lock
// (a foreign thread, another runtime's M) revokes it first, so nothing is
// lost or duplicated while plain-store and CAS lockers meet. (A process
// runs one goro runtime at a time, so foreign threads are the other lockers.)
#include "runtime/sched/bias.hpp"
#include "tests/chan/support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace goro::test {
namespace {

namespace bias = sched::bias;

// In a goroutine: waits until this thread holds the bias (its M passes
// through the scheduler while this G sleeps; a revocation delays the next
// grant by 10 ms). Gives up after 5 s.
bool wait_for_bias() {
  for (int i = 0; i < 500; ++i) {
    if (bias::held_by_this_thread()) return true;
    goro::sleep(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(LockBias, TheOnlyPsThreadOwnsItAndNobodyWithTwoPs) {
  if (!bias::enabled()) GTEST_SKIP() << "no lock bias here (TSan, qemu or no membarrier)";
  bool one = false, two = true;
  run_procs(1, [&] { one = wait_for_bias(); });
  run_procs(2, [&] {
    goro::sleep(std::chrono::milliseconds(50));
    two = bias::held_by_this_thread();
  });
  EXPECT_TRUE(one);
  EXPECT_FALSE(two);
}

// Goroutines on the biased thread and a foreign thread send tagged values
// through one small buffered channel at once, and a goroutine and the
// foreign thread receive them: each value must arrive exactly once. Rounds
// let the bias come back between revocations.
TEST(LockBias, AForeignThreadRevokesItAndEveryValueArrivesOnce) {
  if (!bias::enabled()) GTEST_SKIP() << "no lock bias here (TSan, qemu or no membarrier)";
  constexpr int kRounds = 5;
  constexpr int kPerSide = 20000;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::atomic<int>> seen(2 * kPerSide);
    bool biased = false;
    const std::uint64_t revoked_before = bias::revocations();
    run_procs(1, [&] {
      biased = wait_for_bias();
      auto ch = goro::make_chan<int>(8);
      auto done = goro::make_chan<int>(2);
      std::thread foreign([&] {
        for (int i = 0; i < kPerSide; ++i) {
          ch.send(kPerSide + i);
          if (auto v = ch.try_recv()) seen[*v].fetch_add(1);
        }
        done.send(0);
      });
      goro::go([&] {
        for (int i = 0; i < kPerSide; ++i) ch.send(i);
        done.send(0);
      });
      auto drained = goro::make_chan<int>();
      goro::go([&] {
        for (int v : ch) seen[v].fetch_add(1);
        drained.send(0);
      });
      done.recv();
      done.recv();
      foreign.join();
      ch.close();
      drained.recv();
    });
    EXPECT_TRUE(biased) << "round " << round;
    EXPECT_GT(bias::revocations(), revoked_before) << "round " << round;
    int missing = 0, doubled = 0;
    for (auto& s : seen) {
      missing += s.load() == 0;
      doubled += s.load() > 1;
    }
    ASSERT_EQ(missing, 0) << "round " << round;
    ASSERT_EQ(doubled, 0) << "round " << round;
  }
}

// A select on the biased thread over two channels a foreign thread feeds.
TEST(LockBias, ASelectMeetsAForeignSender) {
  if (!bias::enabled()) GTEST_SKIP() << "no lock bias here (TSan, qemu or no membarrier)";
  constexpr int kEach = 20000;
  long sum = 0;
  int got = 0;
  run_procs(1, [&] {
    ASSERT_TRUE(wait_for_bias());
    auto a = goro::make_chan<int>(4), b = goro::make_chan<int>(4);
    std::thread foreign([a, b] {
      for (int i = 1; i <= kEach; ++i) {
        a.send(i);
        b.send(-i);
      }
    });
    while (got < 2 * kEach) {
      goro::select(goro::recv(a, [&](int v) { sum += v; }), goro::recv(b, [&](int v) { sum += v; }));
      ++got;
    }
    foreign.join();
  });
  EXPECT_EQ(got, 2 * kEach);
  EXPECT_EQ(sum, 0);
}

}  // namespace
}  // namespace goro::test
