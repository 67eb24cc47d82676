// Go's sync package for goroutines (include/goro/sync.hpp): WaitGroup,
// Mutex, RWMutex, Once, Cond, ErrGroup, each test with procs = 1, 2 and 8,
// plus foreign std::threads sharing the same objects with goroutines.
#include "tests/sched/support.hpp"

#include "runtime/sync/access.hpp"
#include "runtime/sync/sema.hpp"

#include <goro/goro.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace goro::test {
namespace {

using namespace std::chrono_literals;
using Access = goro::detail::SyncAccess;

// Lockable / SharedLockable, as the standard's named requirements spell them.
template <class M>
concept Lockable = requires(M m) {
  m.lock();
  { m.try_lock() } -> std::same_as<bool>;
  m.unlock();
};
template <class M>
concept SharedLockable = requires(M m) {
  m.lock_shared();
  { m.try_lock_shared() } -> std::same_as<bool>;
  m.unlock_shared();
};
static_assert(Lockable<goro::Mutex>);
static_assert(Lockable<goro::RWMutex>);
static_assert(SharedLockable<goro::RWMutex>);
static_assert(!std::is_copy_constructible_v<goro::Mutex>);
static_assert(!std::is_copy_constructible_v<goro::WaitGroup>);

// Yields until pred() holds (goroutines only).
template <class P>
void yield_until(P pred) {
  while (!pred()) goro::yield();
}

// Sleeps without holding a P (goro::time is a later layer).
void sleep_blocking(std::chrono::microseconds d) {
  goro::blocking([d] { std::this_thread::sleep_for(d); });
}

std::string what_of(auto&& f) {
  try {
    f();
  } catch (const std::logic_error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

// ThreadSanitizer gives every goroutine a fiber and dies past 8128 of them
// ("Thread limit exceeded"), so the big fan-out is smaller under TSan.
#if defined(__SANITIZE_THREAD__)
constexpr int kMany = 4000;
#else
constexpr int kMany = 10000;
#endif

class Sync : public Procs {};

// --- WaitGroup ---------------------------------------------------------------

TEST_P(Sync, WaitGroupTenThousandGoroutines) {
  goro::run([] {
    goro::WaitGroup wg;
    std::atomic<int> ran{0};
    for (int round = 0; round < 3; ++round) {  // reuse after wait() returns
      ran = 0;
      wg.add(kMany);
      for (int i = 0; i < kMany; ++i)
        goro::go([&] {
          ran.fetch_add(1, std::memory_order_relaxed);
          wg.done();
        });
      wg.wait();
      ASSERT_EQ(ran.load(), kMany);
    }
  }, {.procs = GetParam()});
}

TEST_P(Sync, WaitGroupZeroReturnsAtOnce) {
  goro::run([] {
    goro::WaitGroup wg;
    wg.wait();
    wg.add(2);
    wg.done();
    wg.done();
    wg.wait();
  }, {.procs = GetParam()});
}

TEST_P(Sync, WaitGroupManyWaiters) {
  goro::run([] {
    goro::WaitGroup gate, waiters;
    std::atomic<int> released{0};
    gate.add(1);
    waiters.add(50);
    for (int i = 0; i < 50; ++i)
      goro::go([&] {
        gate.wait();
        released++;
        waiters.done();
      });
    yield_until([&] { return Access::waitgroup_waiters(gate) == 50; });
    EXPECT_EQ(released.load(), 0);
    gate.done();
    waiters.wait();
    EXPECT_EQ(released.load(), 50);
  }, {.procs = GetParam()});
}

TEST_P(Sync, WaitGroupNegativeCounter) {
  goro::run([] {
    goro::WaitGroup wg;
    EXPECT_EQ(what_of([&] { wg.done(); }), "sync: negative WaitGroup counter");
    wg.add(1);
    EXPECT_EQ(what_of([&] { wg.add(-2); }), "sync: negative WaitGroup counter");
    wg.done();  // the failed calls left the counter as it was
    wg.wait();
  }, {.procs = GetParam()});
}

// --- Mutex -------------------------------------------------------------------

TEST_P(Sync, MutexMutualExclusion) {
  goro::run([] {
    goro::Mutex mu;
    goro::WaitGroup wg;
    int counter = 0;  // plain int: the mutex is the only protection
    constexpr int kG = 1000, kN = 1000;
    wg.add(kG);
    for (int g = 0; g < kG; ++g)
      goro::go([&] {
        for (int i = 0; i < kN; ++i) {
          mu.lock();
          ++counter;
          mu.unlock();
        }
        wg.done();
      });
    wg.wait();
    EXPECT_EQ(counter, kG * kN);
    EXPECT_EQ(Access::state(mu), 0);
  }, {.procs = GetParam()});
}

TEST_P(Sync, MutexTryLock) {
  goro::run([] {
    goro::Mutex mu;
    EXPECT_TRUE(mu.try_lock());
    EXPECT_FALSE(mu.try_lock());
    goro::WaitGroup wg;
    wg.add(1);
    bool other = true;
    goro::go([&] { other = mu.try_lock(); wg.done(); });
    wg.wait();
    EXPECT_FALSE(other);
    mu.unlock();
    EXPECT_TRUE(mu.try_lock());
    mu.unlock();
  }, {.procs = GetParam()});
}

TEST_P(Sync, MutexUnlockOfUnlocked) {
  goro::run([] {
    goro::Mutex mu;
    EXPECT_EQ(what_of([&] { mu.unlock(); }), "sync: unlock of unlocked mutex");
    mu.lock();  // still usable
    mu.unlock();
    EXPECT_EQ(what_of([&] { mu.unlock(); }), "sync: unlock of unlocked mutex");
    EXPECT_EQ(Access::state(mu), 0);
  }, {.procs = GetParam()});
}

// Go's TestMutexFairness: hammers keep the lock busy, holding it for 100 us
// at a time; another goroutine must still get it, and waiting past 1 ms
// must flip the mutex into starvation mode (seen by a hammer while it holds
// the lock). The victim keeps going until the flip was seen (bounded).
TEST_P(Sync, MutexStarvationMode) {
  goro::run([] {
    goro::Mutex mu;
    std::atomic<bool> stop{false}, saw_starving{false};
    goro::WaitGroup wg;
    constexpr int kHammers = 2;
    wg.add(kHammers);
    for (int h = 0; h < kHammers; ++h)
      goro::go([&] {
        while (!stop.load()) {
          mu.lock();
          sleep_blocking(100us);
          if (Access::starving(mu)) saw_starving = true;
          mu.unlock();
        }
        wg.done();
      });
    auto start = std::chrono::steady_clock::now();
    int acquired = 0;
    while ((acquired < 10 || !saw_starving.load()) && std::chrono::steady_clock::now() - start < 10s) {
      sleep_blocking(100us);
      mu.lock();
      mu.unlock();
      ++acquired;
    }
    stop = true;
    wg.wait();
    EXPECT_GE(acquired, 10);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    EXPECT_TRUE(saw_starving.load());
    EXPECT_FALSE(Access::starving(mu));  // the last waiter takes it back to normal
    EXPECT_EQ(Access::state(mu), 0);
  }, {.procs = GetParam()});
}

// --- RWMutex -----------------------------------------------------------------

TEST_P(Sync, RWMutexReadersShare) {
  goro::run([] {
    goro::RWMutex rw;
    constexpr int kReaders = 20;
    std::atomic<int> inside{0};
    goro::WaitGroup wg;
    wg.add(kReaders);
    for (int i = 0; i < kReaders; ++i)
      goro::go([&] {
        {
          std::shared_lock lk(rw);
          inside++;
          yield_until([&] { return inside.load() == kReaders; });  // all in at once
        }
        wg.done();  // after unlocking: the checks below need it free
      });
    wg.wait();
    EXPECT_EQ(inside.load(), kReaders);
    EXPECT_TRUE(rw.try_lock());
    EXPECT_FALSE(rw.try_lock_shared());
    rw.unlock();
    EXPECT_TRUE(rw.try_lock_shared());
    EXPECT_FALSE(rw.try_lock());
    rw.unlock_shared();
  }, {.procs = GetParam()});
}

TEST_P(Sync, RWMutexWriterExclusive) {
  goro::run([] {
    goro::RWMutex rw;
    std::atomic<int> readers{0}, writers{0};
    std::atomic<bool> bad{false};
    long value = 0;
    goro::WaitGroup wg;
    constexpr int kG = 40, kN = 300;
    wg.add(kG);
    for (int g = 0; g < kG; ++g)
      goro::go([&, g] {
        for (int i = 0; i < kN; ++i) {
          if ((g + i) % 4 == 0) {
            std::unique_lock lk(rw);
            if (writers.fetch_add(1) != 0 || readers.load() != 0) bad = true;
            ++value;
            if (i % 16 == 0) goro::yield();
            writers--;
          } else {
            std::shared_lock lk(rw);
            readers++;
            if (writers.load() != 0) bad = true;
            if (i % 16 == 0) goro::yield();
            readers--;
          }
        }
        wg.done();
      });
    wg.wait();
    EXPECT_FALSE(bad.load());
    EXPECT_EQ(value, long{kG} * kN / 4);
    EXPECT_EQ(Access::reader_count(rw), 0);
  }, {.procs = GetParam()});
}

// A reader arriving after a waiting writer waits for that writer.
TEST_P(Sync, RWMutexWriterPreference) {
  goro::run([] {
    goro::RWMutex rw;
    goro::Mutex log_mu;
    std::vector<std::string> log;
    auto note = [&](std::string s) {
      std::lock_guard lk(log_mu);
      log.push_back(std::move(s));
    };
    goro::WaitGroup wg;
    rw.lock_shared();  // reader 1
    wg.add(2);
    goro::go([&] {
      rw.lock();
      note("writer");
      rw.unlock();
      wg.done();
    });
    yield_until([&] { return Access::reader_count(rw) < 0; });  // writer pending
    EXPECT_FALSE(rw.try_lock_shared());
    std::atomic<bool> reader2_in{false};
    goro::go([&] {
      rw.lock_shared();
      reader2_in = true;
      note("reader2");
      rw.unlock_shared();
      wg.done();
    });
    for (int i = 0; i < 100; ++i) goro::yield();
    EXPECT_FALSE(reader2_in.load());
    note("reader1 unlocks");
    rw.unlock_shared();
    wg.wait();
    EXPECT_EQ(log, (std::vector<std::string>{"reader1 unlocks", "writer", "reader2"}));
  }, {.procs = GetParam()});
}

TEST_P(Sync, RWMutexMisuseMessages) {
  goro::run([] {
    goro::RWMutex rw;
    EXPECT_EQ(what_of([&] { rw.unlock_shared(); }), "sync: RUnlock of unlocked RWMutex");
    EXPECT_EQ(what_of([&] { rw.unlock(); }), "sync: Unlock of unlocked RWMutex");
    rw.lock();
    EXPECT_EQ(what_of([&] { rw.unlock_shared(); }), "sync: RUnlock of unlocked RWMutex");
    rw.unlock();
    rw.lock_shared();  // still usable
    rw.unlock_shared();
    EXPECT_EQ(Access::reader_count(rw), 0);
  }, {.procs = GetParam()});
}

// --- Once --------------------------------------------------------------------

TEST_P(Sync, OnceRunsOnceAndOthersWait) {
  goro::run([] {
    goro::Once once;
    std::atomic<int> calls{0};
    std::atomic<bool> finished{false};
    goro::WaitGroup wg;
    constexpr int kG = 50;
    wg.add(kG);
    for (int i = 0; i < kG; ++i)
      goro::go([&] {
        once.call([&] {
          calls++;
          for (int k = 0; k < 20; ++k) goro::yield();  // let the others arrive
          finished = true;
        });
        EXPECT_TRUE(finished.load());  // nobody returns before f is done
        wg.done();
      });
    wg.wait();
    EXPECT_EQ(calls.load(), 1);
  }, {.procs = GetParam()});
}

// Go's rule, not std::call_once's: a throwing f still counts as done.
TEST_P(Sync, OnceThrowingCountsAsDone) {
  goro::run([] {
    goro::Once once;
    int calls = 0;
    EXPECT_THROW(once.call([&] { ++calls; throw std::runtime_error("boom"); }), std::runtime_error);
    once.call([&] { ++calls; });
    EXPECT_EQ(calls, 1);
  }, {.procs = GetParam()});
}

// --- Cond --------------------------------------------------------------------

TEST_P(Sync, CondSignalWakesOneBroadcastWakesAll) {
  goro::run([] {
    goro::Mutex mu;
    goro::Cond cond(mu);
    int tokens = 0, woke = 0;
    bool open = false;
    goro::WaitGroup wg;
    constexpr int kG = 10;
    wg.add(kG);
    for (int i = 0; i < kG; ++i)
      goro::go([&] {
        std::unique_lock lk(mu);
        while (tokens == 0 && !open) cond.wait();
        if (!open) --tokens;
        ++woke;
        lk.unlock();  // before done(): the test may end, and destroy mu, right after
        wg.done();
      });
    auto waiting = [&] { std::lock_guard lk(mu); return woke; };
    yield_until([&] { return Access::cond_tickets(cond) == kG; });
    for (int s = 1; s <= 3; ++s) {
      {
        std::lock_guard lk(mu);
        ++tokens;
        cond.signal();
      }
      yield_until([&] { return waiting() == s; });
    }
    {
      std::lock_guard lk(mu);
      open = true;
      cond.broadcast();
    }
    wg.wait();
    EXPECT_EQ(woke, kG);
  }, {.procs = GetParam()});
}

// A signal with nobody waiting is lost: a later waiter does not consume it.
TEST_P(Sync, CondSignalDoesNotWakeLaterWaiter) {
  goro::run([] {
    goro::Mutex mu;
    goro::Cond cond(mu);
    {
      std::lock_guard lk(mu);
      cond.signal();
      cond.broadcast();
    }
    std::atomic<int> state{0};  // 1: waiting, 2: woken
    goro::WaitGroup wg;
    wg.add(1);
    goro::go([&] {
      std::unique_lock lk(mu);
      state = 1;
      cond.wait();
      state = 2;
      lk.unlock();
      wg.done();
    });
    yield_until([&] { return state.load() == 1; });
    for (int i = 0; i < 100; ++i) goro::yield();
    EXPECT_EQ(state.load(), 1);
    {
      std::lock_guard lk(mu);  // the waiter has released mu: it is in wait()
      cond.signal();
    }
    wg.wait();
    EXPECT_EQ(state.load(), 2);
  }, {.procs = GetParam()});
}

// Ticket order: after waiters A then B block, one signal wakes A.
TEST_P(Sync, CondSignalWakesOldestWaiter) {
  goro::run([] {
    goro::Mutex mu;
    goro::Cond cond(mu);
    std::vector<int> woken;
    int blocked = 0;
    goro::WaitGroup wg;
    wg.add(2);
    for (int id = 0; id < 2; ++id) {
      goro::go([&, id] {
        std::unique_lock lk(mu);
        ++blocked;
        cond.wait();
        woken.push_back(id);
        lk.unlock();
        wg.done();
      });
      yield_until([&] { std::lock_guard lk(mu); return blocked == id + 1; });
    }
    { std::lock_guard lk(mu); cond.signal(); }
    yield_until([&] { std::lock_guard lk(mu); return !woken.empty(); });
    { std::lock_guard lk(mu); EXPECT_EQ(woken, std::vector<int>{0}); cond.signal(); }
    wg.wait();
    EXPECT_EQ(woken, (std::vector<int>{0, 1}));
  }, {.procs = GetParam()});
}

// --- ErrGroup ----------------------------------------------------------------

TEST_P(Sync, ErrGroupWaitsForAllAndRethrows) {
  goro::run([] {
    goro::ErrGroup eg;
    std::atomic<int> finished{0};
    for (int i = 0; i < 100; ++i)
      eg.go([&, i] {
        for (int k = 0; k < i % 5; ++k) goro::yield();
        finished++;
        if (i % 10 == 3) throw std::runtime_error("task " + std::to_string(i));
      });
    try {
      eg.wait();
      ADD_FAILURE() << "wait() did not throw";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("task ", 0), 0u);
    }
    EXPECT_EQ(finished.load(), 100);
  }, {.procs = GetParam()});
}

TEST_P(Sync, ErrGroupKeepsFirstException) {
  goro::run([] {
    goro::ErrGroup eg;
    eg.go([] {});
    eg.wait();  // nothing thrown
    eg.go([] { throw std::runtime_error("first"); });
    EXPECT_THROW(eg.wait(), std::runtime_error);
    eg.go([] { throw std::logic_error("second"); });
    try {
      eg.wait();
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "first");
    } catch (...) {
      ADD_FAILURE() << "not the first exception";
    }
  }, {.procs = GetParam()});
}

// --- Foreign threads and the standard lock types ------------------------------

TEST_P(Sync, ForeignThreadSharesMutexAndWaitGroup) {
  goro::run([] {
    goro::Mutex mu;
    goro::WaitGroup wg;
    long counter = 0;
    constexpr int kG = 8, kN = 5000;
    wg.add(kG + 2);
    auto body = [&] {
      for (int i = 0; i < kN; ++i) {
        std::lock_guard lk(mu);
        ++counter;
      }
      wg.done();
    };
    std::thread t1(body), t2(body);
    for (int g = 0; g < kG; ++g) goro::go(body);
    // A foreign thread waiting on a WaitGroup goroutines complete.
    goro::WaitGroup gate;
    gate.add(3);
    std::atomic<bool> waited{false};
    std::thread t3([&] { gate.wait(); waited = true; });
    for (int i = 0; i < 3; ++i) goro::go([&] { gate.done(); });
    wg.wait();
    goro::blocking([&] { t1.join(); t2.join(); t3.join(); });
    EXPECT_EQ(counter, long{kG + 2} * kN);
    EXPECT_TRUE(waited.load());
  }, {.procs = GetParam()});
}

TEST(SyncNoRuntime, WorksOnPlainThreads) {
  goro::Mutex mu;
  goro::WaitGroup wg;
  goro::RWMutex rw;
  long counter = 0, rw_counter = 0;
  wg.add(4);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (i % 2) {
          std::lock_guard lk(mu);
          ++counter;
        } else {
          std::unique_lock lk(rw);
          ++rw_counter;
        }
      }
      wg.done();
    });
  wg.wait();
  for (auto& t : ts) t.join();
  EXPECT_EQ(counter, 40000);
  EXPECT_EQ(rw_counter, 40000);
}

TEST_P(Sync, StandardLockTypes) {
  goro::run([] {
    goro::Mutex a, b;
    goro::RWMutex rw;
    {
      std::lock_guard lk(a);
      EXPECT_FALSE(a.try_lock());
    }
    {
      std::unique_lock lk(a, std::try_to_lock);
      EXPECT_TRUE(lk.owns_lock());
      lk.unlock();
      EXPECT_TRUE(a.try_lock());
      a.unlock();
    }
    {
      std::shared_lock r1(rw);
      std::shared_lock r2(rw);
      EXPECT_FALSE(rw.try_lock());
    }
    // std::scoped_lock of two Mutexes, taken in opposite orders concurrently.
    long n = 0;
    goro::WaitGroup wg;
    wg.add(20);
    for (int g = 0; g < 20; ++g)
      goro::go([&, g] {
        for (int i = 0; i < 200; ++i) {
          if (g % 2) {
            std::scoped_lock lk(a, b);
            ++n;
          } else {
            std::scoped_lock lk(b, a);
            ++n;
          }
        }
        wg.done();
      });
    wg.wait();
    EXPECT_EQ(n, 4000);
    EXPECT_EQ(Access::state(a), 0);
    EXPECT_EQ(Access::state(b), 0);
  }, {.procs = GetParam()});
}

INSTANTIATE_TEST_SUITE_P(Sync, Sync, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
