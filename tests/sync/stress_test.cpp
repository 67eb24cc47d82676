// Sync storms (suite 'stress'): many goroutines and a few foreign threads
// mixing Mutex, RWMutex, Cond and WaitGroup at random, with exact accounting
// at the end. Sized by GORO_STRESS_SCALE (meson option stress_scale).
#include "tests/support/stress.hpp"
#include "tests/sched/support.hpp"

#include <goro/goro.hpp>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace goro::test {
namespace {

struct Shared {
  goro::Mutex mu;
  long mutex_count = 0;  // guarded by mu
  goro::RWMutex rw;
  long rw_count = 0;     // guarded by rw
  std::atomic<int> readers{0}, writers{0};
  std::atomic<bool> bad{false};
  goro::Mutex qmu;
  goro::Cond qcond{qmu};
  long queue = 0;        // guarded by qmu: items produced, not yet consumed
  long consumed = 0;
  std::atomic<long> expected_mutex{0}, expected_rw{0}, produced{0};
};

void worker(Shared& s, int seed, int steps) {
  std::mt19937 rng(seed);
  for (int i = 0; i < steps; ++i) {
    switch (rng() % 5) {
      case 0: {
        std::lock_guard lk(s.mu);
        ++s.mutex_count;
        s.expected_mutex++;
        if (rng() % 8 == 0) goro::yield();
        break;
      }
      case 1: {
        std::unique_lock lk(s.rw);
        if (s.writers.fetch_add(1) != 0 || s.readers.load() != 0) s.bad = true;
        ++s.rw_count;
        s.expected_rw++;
        s.writers--;
        break;
      }
      case 2: {
        std::shared_lock lk(s.rw);
        s.readers++;
        if (s.writers.load() != 0) s.bad = true;
        if (rng() % 8 == 0) goro::yield();
        s.readers--;
        break;
      }
      case 3: {
        std::lock_guard lk(s.qmu);
        ++s.queue;
        s.produced++;
        s.qcond.signal();
        break;
      }
      default: {  // nested WaitGroup fan-out
        goro::WaitGroup wg;
        int n = 1 + static_cast<int>(rng() % 4);
        wg.add(n);
        for (int k = 0; k < n; ++k)
          goro::go([&wg, &s] {
            std::lock_guard lk(s.mu);
            ++s.mutex_count;
            s.expected_mutex++;
            wg.done();
          });
        wg.wait();
        break;
      }
    }
  }
}

class SyncStress : public Procs {};

TEST_P(SyncStress, RandomStorm) {
  const int workers = 300 * stress_scale();
  const int steps = 300;
  Shared s;
  goro::run([&] {
    goro::WaitGroup wg, consumers;
    std::atomic<bool> stop{false};
    // Consumers drain the queue through the Cond until told to stop.
    consumers.add(4);
    for (int c = 0; c < 4; ++c)
      goro::go([&] {
        std::unique_lock lk(s.qmu);
        for (;;) {
          while (s.queue == 0 && !stop.load()) s.qcond.wait();
          if (s.queue == 0) break;
          --s.queue;
          ++s.consumed;
        }
        lk.unlock();  // before done(): nothing may touch s.qmu after the last one
        consumers.done();
      });
    wg.add(workers + 2);
    for (int w = 0; w < workers; ++w) goro::go([&, w] { worker(s, w, steps); wg.done(); });
    std::thread t1([&] { worker(s, -1, steps * 10); wg.done(); });
    std::thread t2([&] { worker(s, -2, steps * 10); wg.done(); });
    wg.wait();
    {
      std::lock_guard lk(s.qmu);
      stop = true;
      s.qcond.broadcast();
    }
    consumers.wait();
    goro::blocking([&] { t1.join(); t2.join(); });
  }, {.procs = GetParam()});
  EXPECT_FALSE(s.bad.load());
  EXPECT_EQ(s.mutex_count, s.expected_mutex.load());
  EXPECT_EQ(s.rw_count, s.expected_rw.load());
  EXPECT_EQ(s.consumed, s.produced.load());
  EXPECT_EQ(s.queue, 0);
}

INSTANTIATE_TEST_SUITE_P(Sync, SyncStress, ::testing::Values(1, 2, 8, 32), procs_name);

}  // namespace
}  // namespace goro::test
