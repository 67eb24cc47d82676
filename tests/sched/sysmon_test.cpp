// sysmon (runtime/sched/sysmon.hpp): a thread with no P that runs while the
// runtime has work, sleeps entirely when every P is idle, wakes when a P gets
// work again, and is joined when the runtime stops.
#include "tests/sched/support.hpp"

#include "runtime/sched/sched.hpp"

#include <goro/goro.hpp>

#include <chrono>
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
  sched::sysmon_poll_network.store(&count_poll);
  goro::run([] {
    auto end = std::chrono::steady_clock::now() + 100ms;
    while (std::chrono::steady_clock::now() < end) {
    }
  }, {.procs = 1});
  sched::sysmon_poll_network.store(nullptr);
  EXPECT_GE(g_polls.load(), 3);
}

}  // namespace
}  // namespace goro::test
