// sysmon (runtime/sched/sysmon.hpp): a thread with no P that runs while the
// runtime has work, sleeps entirely when every P is idle, wakes when a P gets
// work again, and is joined when the runtime stops.
#include "tests/sched/support.hpp"

#include "runtime/sched/sched.hpp"

#include <goro/goro.hpp>

#include <chrono>
#include <stdexcept>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <string>
#include <thread>

namespace goro::test {
namespace {

using namespace std::chrono_literals;

// Threads of this process named `name` (comm, from /proc/self/task/*/comm).
int threads_named(const char* name) {
  DIR* d = opendir("/proc/self/task");
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string comm;
    std::getline(f, comm);
    n += comm == name;
  }
  closedir(d);
  return n;
}

std::uint64_t sysmon_rounds() {
  return sched::current_sched()->sysmon.wakeups.load(std::memory_order_relaxed);
}

TEST(Sysmon, StartsWithTheRuntimeAndIsJoinedAtStop) {
  EXPECT_EQ(threads_named("goro-sysmon"), 0);
  {
    goro::Runtime rt({.procs = 2});
    EXPECT_EQ(threads_named("goro-sysmon"), 1);
  }
  EXPECT_EQ(threads_named("goro-sysmon"), 0);
}

// Every P idle: sysmon sleeps with no timeout (no rounds at all), and
// wakes up when work arrives (a spinning goroutine makes it run rounds).
TEST(Sysmon, SleepsWhenIdleAndWakesForWork) {
  goro::Runtime rt({.procs = 2});
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) rt.go([&] { ran.fetch_add(1); });
  while (ran.load() < 10) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(100ms);  // every M finds nothing and sleeps
  std::uint64_t before = sysmon_rounds();
  std::this_thread::sleep_for(300ms);
  std::uint64_t idle_rounds = sysmon_rounds() - before;
  EXPECT_LE(idle_rounds, 2u) << "sysmon kept waking up in an idle runtime";
  EXPECT_GE(sched::current_sched()->sysmon.idle_sleeps.load(), 1u);

  std::atomic<bool> stop{false}, started{false};
  rt.go([&] {
    started = true;
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  while (!started) std::this_thread::sleep_for(1ms);
  before = sysmon_rounds();
  std::this_thread::sleep_for(100ms);
  std::uint64_t busy_rounds = sysmon_rounds() - before;
  stop = true;
  std::printf("sysmon rounds: %llu in 300 ms idle, %llu in 100 ms busy\n",
              static_cast<unsigned long long>(idle_rounds), static_cast<unsigned long long>(busy_rounds));
  EXPECT_GE(busy_rounds, 5u) << "sysmon did not wake up for a running goroutine";
}

// The network-poll hook is called while goroutines run (every 10 ms).
std::atomic<int> g_polls{0};
void count_poll(sched::Sched*) { g_polls.fetch_add(1); }

TEST(Sysmon, CallsTheNetworkPollHook) {
  sched::NetpollHook old = sched::sysmon_poll_network.exchange(&count_poll);
  goro::run([] {
    auto end = std::chrono::steady_clock::now() + 100ms;
    while (std::chrono::steady_clock::now() < end) {
    }
  }, {.procs = 1});
  sched::sysmon_poll_network.store(old);
  EXPECT_GE(g_polls.load(), 3);
}

// goro::blocking leaves the P in the syscall state; sysmon retakes it after
// 20 us and hands it off, so with one P another goroutine keeps ticking
// through a 500 ms blocking call (Go 1.19 here: 447 of 500 ticks).
class Retake : public Procs {};

TEST_P(Retake, BlockingCallLeavesOthersTheirTicks) {
  goro::run([] {
    std::atomic<bool> in_block{false}, done{false};
    std::atomic<int> ticks{0};
    Latch finished(2);
    goro::go([&] {
      while (!done.load()) {
        goro::sleep(1ms);
        if (in_block.load()) ticks.fetch_add(1);
      }
      finished.count_down();
    });
    goro::go([&] {
      goro::sleep(20ms);  // the ticker is under way
      std::uint64_t handoffs = goro::stats().syscall_handoffs;
      goro::blocking([&] {
        in_block = true;
        std::this_thread::sleep_for(500ms);
        in_block = false;
      });
      done = true;
      EXPECT_GE(goro::stats().syscall_handoffs, handoffs + 1);
      finished.count_down();
    });
    finished.wait();
    std::printf("ticks during a 500 ms blocking call (procs %d): %d of 500\n", goro::gomaxprocs(0), ticks.load());
    // Coarse: without the retake there would be none. Sanitizers slow
    // every tick down (TSan measured 232-396 here).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    EXPECT_GE(ticks.load(), 100);
#else
    EXPECT_GE(ticks.load(), 300);
#endif
  }, {.procs = GetParam()});
}

// Short calls: the fast path takes the P back, nothing is handed off, and
// the goroutine's results and exceptions come through.
TEST_P(Retake, ShortBlockingCallsKeepTheirP) {
  goro::run([] {
    std::uint64_t before = goro::stats().syscall_handoffs;
    long sum = 0;
    for (int i = 0; i < 100000; ++i) sum += goro::blocking([i] { return i; });
    EXPECT_EQ(sum, 100000L * 99999 / 2);
    EXPECT_THROW(goro::blocking([]() -> int { throw std::runtime_error("io"); }), std::runtime_error);
    std::printf("hand-offs in 100000 short calls: %llu\n",
                static_cast<unsigned long long>(goro::stats().syscall_handoffs - before));
  }, {.procs = GetParam()});
}

// Many goroutines in and out of blocking calls at once, racing sysmon's
// retakes and each other for the Ps (the ABA case: a P retaken from one M
// and entering a system call on another is won back by the first).
TEST_P(Retake, ManyBlockingGoroutines) {
  goro::run([] {
    constexpr int kG = 16;
    Latch done(kG);
    std::atomic<long> total{0};
    for (int g = 0; g < kG; ++g) {
      goro::go([&, g] {
        for (int i = 0; i < 200; ++i) {
          total += goro::blocking([&] {
            if ((i + g) % 4 == 0) std::this_thread::sleep_for(50us);
            return 1;
          });
          if (i % 8 == 0) goro::yield();
        }
        done.count_down();
      });
    }
    done.wait();
    EXPECT_EQ(total.load(), kG * 200);
  }, {.procs = GetParam()});
}

INSTANTIATE_TEST_SUITE_P(Sched, Retake, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
