// Unannotated blocking calls under load (suite 'stress'): pairs of goroutines
// playing ping-pong over pipes with plain read()/write() (each read blocks
// until the partner's write, so with procs 1 or 2 every exchange needs the
// blocked goroutine's P handed off), beside spinners preempted every 500 us
// and a channel pipeline. Every byte is accounted for: each reply must be
// the function of its request, and the channel totals exact. A watchdog
// aborts after 120 s. Sized by GORO_STRESS_SCALE.
#include "tests/sched/preempt_available.hpp"
#include "tests/sched/support.hpp"
#include "tests/support/load.hpp"
#include "tests/support/stress.hpp"

#include "runtime/sched/preempt.hpp"
#include "runtime/sched/sched.hpp"

#include <goro/goro.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace goro::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Plain libc calls, as third-party code makes them: no goro::blocking.
bool read_full(int fd, void* buf, std::size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}
bool write_full(int fd, const void* buf, std::size_t n) {
  const auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

std::uint64_t reply_to(std::uint64_t v) { return v * 0x9e3779b97f4a7c15ULL + 1; }

class ImplicitSyscallStress : public Procs {};

TEST_P(ImplicitSyscallStress, PipePingPongSpinnersAndChannels) {
  if (!handoff_available())
    GTEST_SKIP() << "no hand-off of unannotated calls in this build: the ping-pong would hold every P";
  Watchdog watchdog("ImplicitSyscallStress", 120s);
  constexpr int kPairs = 3, kSpinners = 2, kStages = 3;
  const long rounds = 60L * stress_scale();
  constexpr long kItems = 5000;
  struct PairPipes {
    int ping[2], pong[2];
  };
  std::vector<PairPipes> pipes(kPairs);
  for (PairPipes& p : pipes) {
    ASSERT_EQ(pipe2(p.ping, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(p.pong, O_CLOEXEC), 0);
  }
  std::atomic<long> exchanged{0}, bad{0};
  std::uint64_t handed_off = 0;
  goro::run([&] {
    std::uint64_t before = sched::current_sched()->implicit_syscalls.load();
    Latch done(2 * kPairs + kSpinners);
    std::atomic<bool> stop{false};
    for (int i = 0; i < kPairs; ++i) {
      goro::go([&, i] {  // asks
        for (long k = 0; k < rounds; ++k) {
          std::uint64_t v = static_cast<std::uint64_t>(i) << 32 | static_cast<std::uint64_t>(k), r = 0;
          if (!write_full(pipes[i].ping[1], &v, sizeof v) || !read_full(pipes[i].pong[0], &r, sizeof r) ||
              r != reply_to(v))
            bad++;
          exchanged++;
        }
        done.count_down();
      });
      goro::go([&, i] {  // answers
        for (long k = 0; k < rounds; ++k) {
          std::uint64_t v = 0;
          if (!read_full(pipes[i].ping[0], &v, sizeof v) ||
              v != (static_cast<std::uint64_t>(i) << 32 | static_cast<std::uint64_t>(k)))
            bad++;
          std::uint64_t r = reply_to(v);
          if (!write_full(pipes[i].pong[1], &r, sizeof r)) bad++;
        }
        done.count_down();
      });
    }
    for (int i = 0; i < kSpinners; ++i) {
      goro::go([&, i] {
        std::uint64_t x = 0x243f6a8885a308d3ULL + static_cast<std::uint64_t>(i);
        while (!stop.load(std::memory_order_relaxed)) {
          std::uint64_t a = churn(x, 100000);
          if (a != churn(x, 100000)) bad++;
          x = a | 1;
        }
        done.count_down();
      });
    }
    run_adder_pipeline(kStages, kItems, 8, [](long) {});
    // The spinners stop once the ping-pong is over.
    while (exchanged.load() < kPairs * rounds) goro::sleep(1ms);
    stop = true;
    done.wait();
    handed_off = sched::current_sched()->implicit_syscalls.load() - before;
  }, {.procs = GetParam(), .time_slice = std::chrono::microseconds(500)});
  for (PairPipes& p : pipes) {
    for (int fd : {p.ping[0], p.ping[1], p.pong[0], p.pong[1]}) close(fd);
  }
  EXPECT_EQ(exchanged.load(), kPairs * rounds);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(handed_off, 1u);
  std::printf("procs %d: %ld exchanges, %llu unannotated calls handed off\n", GetParam(), exchanged.load(),
              static_cast<unsigned long long>(handed_off));
}

INSTANTIATE_TEST_SUITE_P(Sched, ImplicitSyscallStress, ::testing::Values(1, 2), procs_name);

}  // namespace
}  // namespace goro::test
