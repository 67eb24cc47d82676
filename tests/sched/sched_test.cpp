// The G/M/P scheduler through the public API (goro::run, go, yield, Runtime,
// blocking, lock_os_thread), each test with procs = 1, 2 and 8.
#include "tests/support/death.hpp"
#include "tests/sched/support.hpp"
#include "tests/support/load.hpp"
#include "tests/support/sanitizer.hpp"

#include <goro/goro.hpp>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace goro::test {
namespace {

using namespace std::chrono_literals;

long thread_count() {
  DIR* d = opendir("/proc/self/task");
  long n = 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

pid_t gettid_() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// errno through calls the compiler cannot see into: __errno_location() is
// declared const, so after a switch to another thread a caller could reuse
// the old thread's errno address (the thread_local hazard docs describe).
__attribute__((noipa)) int get_errno() { return errno; }
__attribute__((noipa)) void set_errno(int v) { errno = v; }

TEST_P(Procs, RunReturnsMainStatus) {
  EXPECT_EQ(goro::run([] { return 7; }, {.procs = GetParam()}), 7);
  EXPECT_EQ(goro::run([] {}, {.procs = GetParam()}), 0);
}

TEST_P(Procs, GoroutineBasics) {
  goro::run([] {
    EXPECT_TRUE(goro::in_goroutine());
    EXPECT_NE(goro::goroutine_id(), 0u);
    EXPECT_EQ(goro::gomaxprocs(), GetParam());
    Latch done(1);
    std::uint64_t child_id = 0;
    goro::go([&] {
      child_id = goro::goroutine_id();
      done.count_down();
    });
    done.wait();
    EXPECT_NE(child_id, 0u);
    EXPECT_NE(child_id, goro::goroutine_id());
  }, {.procs = GetParam()});
  EXPECT_FALSE(goro::in_goroutine());
  EXPECT_EQ(goro::goroutine_id(), 0u);
}

TEST_P(Procs, GoWithArguments) {
  goro::run([] {
    Latch done(2);
    int sum = 0;
    std::string text;
    goro::go([&](int a, int b) { sum = a + b; done.count_down(); }, 40, 2);
    auto owned = std::make_unique<std::string>("moved");
    goro::go([&](std::unique_ptr<std::string> s) { text = *s; done.count_down(); }, std::move(owned));
    done.wait();
    EXPECT_EQ(sum, 42);
    EXPECT_EQ(text, "moved");
  }, {.procs = GetParam()});
}

// A large closure lives on the heap instead of inside the G.
TEST_P(Procs, LargeClosures) {
  goro::run([] {
    Latch done(100);
    std::atomic<long> total{0};
    for (int i = 0; i < 100; ++i) {
      std::array<long, 64> big{};
      big.fill(i);
      goro::go([&, big] { total += big[63]; done.count_down(); });
    }
    done.wait();
    EXPECT_EQ(total.load(), 99 * 100 / 2);
  }, {.procs = GetParam()});
}

TEST_P(Procs, SpawnAndJoinAMillion) {
  // 20 000 under a sanitizer, where each goroutine costs ~0.5 ms (a TSan
  // fiber, an ASan fake stack; tests/support/sanitizer.hpp).
  constexpr int kGoroutines = kUnderSanitizer ? 20'000 : 1'000'000;
  goro::run([] {
    Latch done(kGoroutines);
    std::atomic<std::int64_t> sum{0};
    for (int i = 0; i < kGoroutines; ++i) goro::go([&, i] {
      sum.fetch_add(i, std::memory_order_relaxed);
      done.count_down();
    });
    done.wait();
    EXPECT_EQ(sum.load(), std::int64_t{kGoroutines} * (kGoroutines - 1) / 2);
  }, {.procs = GetParam()});
}

// Ids come from per-P batches (Go's goidcache) and, on a thread without a P,
// from the shared counter: spawners on every P and a plain thread must never
// hand out the same id twice, nor 0 (the "not a goroutine" id).
TEST_P(Procs, GoroutineIdsAreUniqueAcrossPs) {
  constexpr int kSpawners = 8, kEach = 500, kForeign = 200;
  std::vector<std::uint64_t> ids;
  goro::run([&] {
    std::mutex mu;
    Latch done(kSpawners * kEach + kForeign);
    auto record = [&] {
      std::uint64_t id = goro::goroutine_id();
      {
        std::lock_guard lock(mu);
        ids.push_back(id);
      }
      done.count_down();
    };
    for (int s = 0; s < kSpawners; ++s)
      goro::go([&] {
        for (int i = 0; i < kEach; ++i) {
          goro::go(record);
          if (i % 16 == 0) goro::yield();  // other Ps steal and spawn meanwhile
        }
      });
    std::thread foreign([&] {
      for (int i = 0; i < kForeign; ++i) goro::go(record);
    });
    foreign.join();
    done.wait();
  }, {.procs = GetParam()});
  ASSERT_EQ(ids.size(), std::size_t{kSpawners * kEach + kForeign});
  std::set<std::uint64_t> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size()) << "goroutine ids handed out twice";
  EXPECT_EQ(unique.count(0), 0u);
}

// num_goroutine() is a sum of per-P counts: a G started on one P and
// exiting on another leaves one P's count high and the other's low. The sum
// must still count every G started and not exited, whether started on a P
// or from a plain thread, and come back to main alone when they are gone.
TEST_P(Procs, NumGoroutineCountsGoroutinesOnEveryP) {
  goro::run([] {
    constexpr int kSpawners = 4, kEach = 250, kForeign = 100;
    constexpr int kTotal = kSpawners * kEach + kForeign;
    Event release;
    Latch started(kTotal);
    std::atomic<int> exited{0};
    auto worker = [&] {
      started.count_down();
      release.wait();
      exited.fetch_add(1);
    };
    for (int s = 0; s < kSpawners; ++s)
      goro::go([&] {
        for (int i = 0; i < kEach; ++i) goro::go(worker);
      });
    std::thread foreign([&] {
      for (int i = 0; i < kForeign; ++i) goro::go(worker);
    });
    foreign.join();
    started.wait();
    // Every worker is parked; the spawners have exited or are on their way.
    auto settle = [](std::int64_t want) {
      auto deadline = std::chrono::steady_clock::now() + 10s;
      while (goro::num_goroutine() != want && std::chrono::steady_clock::now() < deadline) goro::sleep(1ms);
      return goro::num_goroutine();
    };
    EXPECT_EQ(settle(1 + kTotal), 1 + kTotal);  // main too
    EXPECT_EQ(goro::stats().goroutines, 1 + kTotal);
    // Released, each finishes on whichever P takes it (with procs > 1, not
    // always the one that started it).
    release.notify();
    EXPECT_EQ(settle(1), 1);
    EXPECT_EQ(exited.load(), kTotal);
  }, {.procs = GetParam()});
}

void tree(int depth, std::atomic<long>& leaves, Latch& done) {
  if (depth == 0) {
    leaves.fetch_add(1);
    done.count_down();
    return;
  }
  goro::go([depth, &leaves, &done] { tree(depth - 1, leaves, done); });
  goro::go([depth, &leaves, &done] { tree(depth - 1, leaves, done); });
}

TEST_P(Procs, GoroutinesSpawningGoroutines) {
  goro::run([] {
    constexpr int kDepth = kUnderSanitizer ? 13 : 16;  // 16k goroutines under a sanitizer, not 131k
    std::atomic<long> leaves{0};
    Latch done(1 << kDepth);
    goro::go([&] { tree(kDepth, leaves, done); });
    done.wait();
    EXPECT_EQ(leaves.load(), 1 << kDepth);
  }, {.procs = GetParam()});
}

// With one P, two yielding goroutines strictly alternate; with more, both
// make progress.
TEST_P(Procs, YieldFairness) {
  goro::run([] {
    constexpr int kRounds = 10000;
    std::mutex mu;
    std::vector<int> order;
    Latch done(2);
    for (int who = 0; who < 2; ++who) {
      goro::go([&, who] {
        for (int i = 0; i < kRounds; ++i) {
          {
            std::lock_guard<std::mutex> l(mu);
            order.push_back(who);
          }
          goro::yield();
        }
        done.count_down();
      });
    }
    done.wait();
    ASSERT_EQ(order.size(), 2u * kRounds);
    if (GetParam() == 1) {
      for (std::size_t i = 1; i < order.size(); ++i) ASSERT_NE(order[i], order[i - 1]) << "at " << i;
    }
  }, {.procs = GetParam()});
}

// Go's newproc puts a new goroutine in runnext: with one P, the last one
// spawned runs first, then the others in spawn order.
TEST(Sched, RunnextHandOff) {
  goro::run([] {
    std::vector<int> order;
    Latch done(3);
    for (int i = 0; i < 3; ++i) goro::go([&, i] { order.push_back(i); done.count_down(); });
    done.wait();
    EXPECT_EQ(order, (std::vector<int>{2, 0, 1}));

    // A goroutine made ready by the running one runs next, ahead of the queue.
    order.clear();
    Event wake;
    Latch all(4);
    goro::go([&] { wake.wait(); order.push_back(100); all.count_down(); });
    goro::yield();  // let it park
    for (int i = 0; i < 2; ++i) goro::go([&, i] { order.push_back(i); all.count_down(); });
    goro::go([&] { wake.notify(); order.push_back(50); all.count_down(); goro::yield(); });
    all.wait();
    // The notifier runs first (runnext), readies the waiter into runnext, and
    // the waiter runs as soon as the notifier yields, ahead of 0 and 1.
    EXPECT_EQ(order, (std::vector<int>{50, 100, 0, 1}));
  }, {.procs = 1});
}

// Spawns 200 goroutines that spin 200 us each from the calling goroutine,
// fewer than a run queue holds: nothing overflows to the global queue, so
// other Ms can only get work by stealing it. They must have.
void expect_work_spreads() {
  std::mutex mu;
  std::set<pid_t> threads;
  constexpr int kGoroutines = 200;
  Latch done(kGoroutines);
  for (int i = 0; i < kGoroutines; ++i) {
    goro::go([&] {
      auto until = std::chrono::steady_clock::now() + 200us;
      while (std::chrono::steady_clock::now() < until) {}
      {
        std::lock_guard<std::mutex> l(mu);
        threads.insert(gettid_());
      }
      done.count_down();
    });
  }
  done.wait();
  EXPECT_GT(threads.size(), 1u);
  EXPECT_GT(goro::stats().steals, 0u);
}

TEST_P(Procs, WorkSpreadsAcrossThreads) {
  if (GetParam() == 1) GTEST_SKIP() << "one P runs on one M at a time";
  goro::run([] { expect_work_spreads(); }, {.procs = GetParam()});
}

TEST_P(Procs, RunManyTimesWithoutLeaking) {
  // Under qemu-user the thread count and RSS are the emulator's (its own
  // threads linger after a join, its translation cache grows); natively
  // they are ours.
  if (under_emulator()) GTEST_SKIP() << "thread and RSS accounting: native runs only";
  long threads_before = thread_count();
  // Warm up allocators so the RSS comparison measures the runtime alone.
  for (int i = 0; i < 5; ++i) goro::run([] {}, {.procs = GetParam()});
  [[maybe_unused]] long rss_before = rss_kib();
  for (int i = 0; i < 100; ++i) {
    goro::run([] {
      Latch done(100);
      for (int j = 0; j < 100; ++j) goro::go([&] { goro::yield(); done.count_down(); });
      done.wait();
    }, {.procs = GetParam()});
  }
  EXPECT_EQ(thread_count(), threads_before);
#if !defined(__SANITIZE_ADDRESS__)
  // Under ASan, RSS is mostly its quarantine of freed blocks and its fake
  // stacks; LeakSanitizer checks for leaks at exit instead.
  EXPECT_LT(rss_kib() - rss_before, 16 * 1024) << "RSS grew by more than 16 MiB over 100 runs";
#endif
}

// Goroutines abandoned when main returns are freed with the runtime,
// closures included.
TEST(Sched, AbandonedGoroutinesAreFreed) {
  auto token = std::make_shared<int>(1);
  goro::run([token] {
    // One event for all, outliving them: an Event on each abandoned stack
    // would leak its waiter list with the stack (LeakSanitizer says so).
    static Event never;
    for (int i = 0; i < 10; ++i) goro::go([token] { never.wait(); });
    for (int i = 0; i < 10; ++i) goro::go([token] { goro::yield(); });
  }, {.procs = 2});
  EXPECT_EQ(token.use_count(), 1);
}

TEST(Sched, EmbeddingFromAPlainThread) {
  goro::Runtime rt({.procs = 2});
  std::atomic<int> ran{0};
  std::thread feeder([&] {
    EXPECT_FALSE(goro::in_goroutine());
    for (int i = 0; i < 1000; ++i) rt.go([&] { ran.fetch_add(1); goro::yield(); });
  });
  feeder.join();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (ran.load() < 1000 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(ran.load(), 1000);
  rt.shutdown();
  EXPECT_THROW(goro::go([] {}), std::logic_error);
}

TEST(Sched, OneRuntimeAtATime) {
  goro::Runtime rt({.procs = 1});
  EXPECT_THROW(goro::Runtime({.procs = 1}), std::logic_error);
}

TEST(Sched, GoWithoutARuntimeThrows) {
  EXPECT_THROW(goro::go([] {}), std::logic_error);
}

TEST(Sched, GomaxprocsFromEnvironment) {
  setenv("GOMAXPROCS", "3", 1);
  goro::run([] { EXPECT_EQ(goro::gomaxprocs(), 3); });
  unsetenv("GOMAXPROCS");
}

TEST_P(Procs, GomaxprocsChangesAtRunTime) {
  goro::run([] {
    int start = goro::gomaxprocs();
    EXPECT_EQ(goro::gomaxprocs(start + 2), start);
    EXPECT_EQ(goro::gomaxprocs(), start + 2);
    Latch done(200);
    for (int i = 0; i < 200; ++i) goro::go([&] { goro::yield(); done.count_down(); });
    EXPECT_EQ(goro::gomaxprocs(1), start + 2);
    done.wait();
    EXPECT_EQ(goro::stats().procs, 1);
  }, {.procs = GetParam()});
}

// A goroutine that yields in a loop on a P that gomaxprocs just retired must
// let that P drain: the goroutines queued there have to run. (main starts on
// the highest-numbered P, so procs >= 2 retires it.)
TEST_P(Procs, YieldLoopOnARetiringP) {
  goro::run([] {
    int prev = goro::gomaxprocs(1);
    std::atomic<int> finished{0};
    for (int g = 0; g < 2; ++g) goro::go([&] { for (int i = 0; i < 100; ++i) goro::yield(); finished++; });
    while (finished.load() < 2) goro::yield();
    goro::gomaxprocs(prev);
  }, {.procs = GetParam()});
}

// With gomaxprocs 1 the only P runs in solo mode (runtime/sched/solo.hpp:
// no locked instructions on its run queue). Once gomaxprocs grows, the new
// Ps' thieves must get in: their first attempt asks the owner to leave solo
// mode, and the work queued on it spreads.
TEST(Sched, ASoloPSharesItsQueueWhenProcsGrow) {
  goro::run([] {
    for (int i = 0; i < 10; ++i) goro::yield();  // through the scheduler: solo by now
    goro::gomaxprocs(2);
    expect_work_spreads();
  }, {.procs = 1});
}

// gomaxprocs moving between 1 and more while goroutines spawn and yield:
// Ps enter and leave solo mode under thieves. A G taken twice (an owner's
// plain store racing a thief's CAS) would run twice (the status check aborts,
// or its slot counts 2); a G lost would leave its slot at 0.
TEST_P(Procs, GomaxprocsTogglesWhileGoroutinesRun) {
  goro::run([] {
    // 40 waves natively (~50 ms); at least 3 where each takes seconds (TSan, qemu).
    constexpr int kWorkers = 4, kPerWorker = 1000, kWaves = 40, kMinWaves = 3;
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::atomic<int>> ran(kWorkers * kPerWorker);
    std::atomic<bool> stop{false};
    std::atomic<long> toggles{0};
    Latch toggler_done(1);
    goro::go([&] {
      for (int round = 0; !stop.load(); ++round) {
        goro::gomaxprocs(round % 2 == 0 ? 1 : 2 + round % 3);
        toggles++;
        for (int i = 0; i < 4; ++i) goro::yield();
      }
      toggler_done.count_down();
    });
    const std::uint64_t steals_before = goro::stats().steals;
    int wrong = 0;
    for (int wave = 0; wave < kWaves && (wave < kMinWaves || std::chrono::steady_clock::now() - started < 500ms);
         ++wave) {
      for (auto& r : ran) r.store(0);
      Latch done(kWorkers * kPerWorker);
      for (int w = 0; w < kWorkers; ++w) {
        goro::go([&, w] {
          for (int i = 0; i < kPerWorker; ++i) {
            goro::go([&, slot = w * kPerWorker + i] {
              ran[slot].fetch_add(1);
              goro::yield();
              done.count_down();
            });
            if (i % 8 == 0) goro::yield();
          }
        });
      }
      done.wait();
      for (auto& r : ran) wrong += r.load() != 1;
    }
    stop = true;
    toggler_done.wait();
    EXPECT_EQ(wrong, 0);
    std::printf("[ measured ] %ld gomaxprocs changes, %llu steals\n", toggles.load(),
                static_cast<unsigned long long>(goro::stats().steals - steals_before));
    EXPECT_GT(toggles.load(), 100);
  }, {.procs = GetParam()});
}

TEST(Sched, IdleRuntimeUsesNoCpu) {
  goro::Runtime rt({.procs = 4});
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) rt.go([&] { ran.fetch_add(1); });
  while (ran.load() < 100) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);  // let the Ms find nothing and sleep
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  std::this_thread::sleep_for(1s);
  getrusage(RUSAGE_SELF, &after);
  auto us = [](const rusage& r) {
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000L + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
  };
  EXPECT_LT(us(after) - us(before), 20'000) << "an idle runtime burned CPU";
}

// goro::blocking hands the P away: with one P, another goroutine runs while
// the caller sits in the kernel.
TEST_P(Procs, BlockingCallLetsOthersRun) {
  goro::run([] {
    std::atomic<bool> in_block{false}, ran_during_block{false}, finished{false};
    Latch done(2);
    goro::go([&] {
      int r = goro::blocking([&] {
        in_block = true;
        std::this_thread::sleep_for(200ms);
        in_block = false;
        return 5;
      });
      EXPECT_EQ(r, 5);
      finished = true;
      done.count_down();
    });
    goro::go([&] {
      while (!finished) {
        if (in_block) ran_during_block = true;
        goro::yield();
        std::this_thread::sleep_for(100us);
      }
      done.count_down();
    });
    done.wait();
    EXPECT_TRUE(ran_during_block);
    EXPECT_GE(goro::stats().syscall_handoffs, 1u);
  }, {.procs = GetParam()});
}

TEST_P(Procs, BlockingPropagatesExceptions) {
  goro::run([] {
    EXPECT_THROW(goro::blocking([]() -> int { throw std::runtime_error("io"); }), std::runtime_error);
    EXPECT_EQ(goro::blocking([] { return 3; }), 3);
  }, {.procs = GetParam()});
}

// A goroutine parked inside a catch block keeps its own exception, wherever
// it resumes; errno too.
TEST_P(Procs, ExceptionStateAndErrnoAreKeptPerGoroutine) {
  goro::run([] {
    Latch done(16);
    for (int i = 0; i < 16; ++i) {
      goro::go([&, i] {
        try {
          throw std::runtime_error("g" + std::to_string(i));
        } catch (const std::exception&) {
          for (int k = 0; k < 50; ++k) {
            set_errno(1000 + i);
            goro::yield();
            EXPECT_EQ(get_errno(), 1000 + i);
          }
          try {
            throw;
          } catch (const std::runtime_error& e) {
            EXPECT_EQ(std::string(e.what()), "g" + std::to_string(i));
          }
        }
        EXPECT_EQ(std::uncaught_exceptions(), 0);
        done.count_down();
      });
    }
    done.wait();
  }, {.procs = GetParam()});
}

TEST_P(Procs, LockOsThreadPinsTheGoroutine) {
  goro::run([] {
    Latch done(5);
    std::atomic<bool> moved{false};
    for (int i = 0; i < 4; ++i) goro::go([&] { for (int k = 0; k < 200; ++k) goro::yield(); done.count_down(); });
    goro::go([&] {
      goro::lock_os_thread();
      pid_t tid = gettid_();
      for (int k = 0; k < 200; ++k) {
        goro::yield();
        if (gettid_() != tid) moved = true;
      }
      goro::unlock_os_thread();
      done.count_down();
    });
    done.wait();
    EXPECT_FALSE(moved);
  }, {.procs = GetParam()});
}

// No false deadlock while the only other goroutine sits in a blocking call.
TEST_P(Procs, NoFalseDeadlockDuringBlockingCall) {
  goro::run([] {
    Event ev;
    goro::go([&] {
      goro::blocking([] { std::this_thread::sleep_for(300ms); });
      ev.notify();
    });
    ev.wait();
  }, {.procs = GetParam()});
}

// No false deadlock while a thread outside the runtime will make main runnable.
TEST_P(Procs, NoFalseDeadlockWithAForeignThread) {
  goro::run([] {
    Event ev;
    std::thread t([&] {
      std::this_thread::sleep_for(300ms);
      ev.notify();
    });
    ev.wait();
    t.join();
  }, {.procs = GetParam()});
}

// A goroutine that yields to one that never switches (preemption off) stays
// queued on that P; with another P idle, an M must come and take it (the
// wakep rule, sched.hpp). The yield used to queue it without looking: when
// the only spinning M gave up just before, nobody ever took it and run()
// waited forever (DumpRunning hung so, once in ~70 runs on one CPU).
TEST_P(Procs, YielderBehindASpinnerIsTakenByAnIdleP) {
  if (GetParam() < 2) GTEST_SKIP() << "one P: without preemption the spinner keeps it";
  Watchdog watchdog("Procs.YielderBehindASpinnerIsTakenByAnIdleP", 60s);
  // A fresh runtime each round: the other M is started for the spinner (a
  // new thread, slow to look), which is when the window opened.
  for (int round = 0; round < 300; ++round) {
    goro::run([] {
      std::atomic<bool> started{false}, stop{false};
      goro::WaitGroup done;
      done.add(1);
      goro::go([&] {
        started.store(true);
        while (!stop.load(std::memory_order_relaxed)) {
        }
        done.done();
      });
      while (!started.load()) goro::yield();  // usually to the spinner, on this P
      stop.store(true);
      done.wait();
    }, {.procs = GetParam(), .preempt = false});
  }
}

INSTANTIATE_TEST_SUITE_P(Sched, Procs, ::testing::Values(1, 2, 8), procs_name);

// --- Failure reports (death tests: the child process exits with status 2) ---

class SchedDeath : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
    goro::test::use_death_test_style();
  }
};

TEST_P(SchedDeath, PanicInAGoroutine) {
  int procs = GetParam();
  EXPECT_EXIT(goro::run([] {
    goro::go([] { throw std::runtime_error("boom"); });
    Event never;
    never.wait();
  }, {.procs = procs}), ::testing::ExitedWithCode(2), "panic: boom\n\ngoroutine [0-9]+ \\[running\\]:\n");
}

TEST_P(SchedDeath, PanicShowsTheThrowSite) {
  int procs = GetParam();
  EXPECT_EXIT(goro::run([] {
    goro::go([] { throw 42; });
    Event never;
    never.wait();
  }, {.procs = procs}), ::testing::ExitedWithCode(2), "panic: 42 \\[int\\]\n\ngoroutine [0-9]+ \\[running\\]:\n.*PanicShowsTheThrowSite");
}

TEST_P(SchedDeath, Deadlock) {
  int procs = GetParam();
  EXPECT_EXIT(goro::run([] {
    goro::go([] { Event never; never.wait(); });
    Event never;
    never.wait();
  }, {.procs = procs}), ::testing::ExitedWithCode(2),
              "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 \\[chan receive\\]:\n");
}

INSTANTIATE_TEST_SUITE_P(Sched, SchedDeath, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
