// The debug-build channel lock order check (runtime/chan/lock.hpp), through
// ChanCore::lock directly: taking a channel lock at or below one the thread
// already holds is `fatal error: channel lock order`; address order, with
// releases in any order, is not. Goroutines with procs 1, 2, 8, and a plain
// thread. That no real path (select, send, recv, close) trips it is what the
// whole core suite shows in a debug build.
#include "tests/sched/support.hpp"
#include "tests/support/death.hpp"

#include "runtime/chan/chan.hpp"

#include <goro/goro.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>

#include <unistd.h>

namespace goro::test {
namespace {

using detail::ChanCore;

// Three channels' cores, sorted by address.
struct Cores {
  goro::Chan<int> chans[3] = {goro::Chan<int>(0), goro::Chan<int>(1), goro::Chan<int>(2)};
  std::array<ChanCore*, 3> by_address{chans[0].core(), chans[1].core(), chans[2].core()};
  Cores() { std::sort(by_address.begin(), by_address.end(), std::less<ChanCore*>{}); }
  ChanCore* low() const { return by_address[0]; }
  ChanCore* mid() const { return by_address[1]; }
  ChanCore* high() const { return by_address[2]; }
};

void lock_high_then_low() {
  Cores c;
  c.high()->lock.lock();
  c.low()->lock.lock();  // fatal here
  c.low()->lock.unlock();
  c.high()->lock.unlock();
}

void lock_twice() {
  Cores c;
  c.mid()->lock.lock();
  c.mid()->lock.lock();  // fatal here, where it would deadlock
}

// Every legal pattern: ascending acquisition, releases in and out of order,
// and re-acquisition of a lock released from the middle of the stack.
void lock_in_address_order() {
  Cores c;
  c.low()->lock.lock();
  c.mid()->lock.lock();
  c.high()->lock.lock();
  c.mid()->lock.unlock();   // out of order: low and high stay held
  c.high()->lock.unlock();  // low alone
  c.mid()->lock.lock();     // above low: fine
  c.high()->lock.lock();
  c.high()->lock.unlock();
  c.mid()->lock.unlock();
  c.low()->lock.unlock();   // none held: any one is fine again
  c.high()->lock.lock();
  c.high()->lock.unlock();
  c.low()->lock.lock();
  c.low()->lock.unlock();
}

class LockOrder : public Procs {
 protected:
  void SetUp() override {
    if (!chan::kLockOrderChecked) GTEST_SKIP() << "release build: no channel lock order check";
  }
};

class LockOrderDeath : public LockOrder {
 protected:
  void SetUp() override {
    LockOrder::SetUp();
    if (IsSkipped()) return;
    GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
    use_death_test_style();
  }
};

// Without the check the child would exit 0 (a wrong order on one thread
// alone does not deadlock) or, locking one channel twice, hang until the
// alarm kills it: either way the death test fails.
TEST_P(LockOrderDeath, HigherThenLowerInAGoroutine) {
  EXPECT_EXIT({
    alarm(30);
    goro::run([] {
      goro::WaitGroup wg;
      wg.add(1);
      goro::go([&wg] {
        lock_high_then_low();
        wg.done();
      });
      wg.wait();
    }, {.procs = GetParam()});
    std::exit(0);
  }, ::testing::ExitedWithCode(2), "fatal error: channel lock order");
}

TEST_P(LockOrderDeath, SameLockTwiceInAGoroutine) {
  EXPECT_EXIT({
    alarm(30);
    goro::run(lock_twice, {.procs = GetParam()});
    std::exit(0);
  }, ::testing::ExitedWithCode(2), "fatal error: channel lock order");
}

TEST_P(LockOrder, AddressOrderIsAllowed) {
  goro::run([] {
    lock_in_address_order();
    goro::WaitGroup wg;
    wg.add(8);
    for (int i = 0; i < 8; ++i) goro::go([&wg] {
      for (int k = 0; k < 100; ++k) lock_in_address_order();
      wg.done();
    });
    wg.wait();
  }, {.procs = GetParam()});
}

// A thread that is not a goroutine keeps its own stack of held locks.
TEST(LockOrderThread, HigherThenLowerOnAPlainThread) {
  if (!chan::kLockOrderChecked) GTEST_SKIP() << "release build: no channel lock order check";
  use_death_test_style();
  lock_in_address_order();
  EXPECT_EXIT({
    lock_high_then_low();
    std::exit(0);
  }, ::testing::ExitedWithCode(2), "fatal error: channel lock order");
}

INSTANTIATE_TEST_SUITE_P(Chan, LockOrder, ::testing::Values(1, 2, 8), procs_name);
INSTANTIATE_TEST_SUITE_P(Chan, LockOrderDeath, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
