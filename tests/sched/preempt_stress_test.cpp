// Preemption, blocking calls and channel traffic at once (suite 'stress'):
// spinners that never call the runtime, goroutines in and out of
// goro::blocking, and a channel pipeline, under 500 us time slices, with
// procs 1, 2 and 8. Checks exact channel totals, every spinner's private
// checksum, and liveness (a watchdog aborts after 120 s). Sized by
// GORO_STRESS_SCALE.
#include "tests/sched/support.hpp"
#include "tests/support/load.hpp"
#include "tests/support/stress.hpp"

#include "runtime/sched/preempt.hpp"

#include <goro/goro.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace goro::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class PreemptStress : public Procs {};

TEST_P(PreemptStress, SpinnersBlockersAndChannels) {
  Watchdog watchdog("PreemptStress", 120s);
  const auto duration = 1500ms * stress_scale();
  goro::run([&] {
    constexpr int kSpinners = 4, kBlockers = 4, kStages = 4;
    constexpr long kItems = 20000;
    Latch done(kSpinners + kBlockers);
    auto end = Clock::now() + duration;
    std::atomic<int> bad_checksums{0};
    std::atomic<long> blocking_calls{0};
    for (int i = 0; i < kSpinners; ++i) {
      goro::go([&, i] {
        std::uint64_t x = 0x243f6a8885a308d3ULL + i;
        while (Clock::now() < end) {
          std::uint64_t a = churn(x, 200000);
          std::uint64_t b = churn(x, 200000);  // the same again: must agree
          if (a != b) bad_checksums++;
          x = a | 1;
        }
        done.count_down();
      });
    }
    for (int i = 0; i < kBlockers; ++i) {
      goro::go([&, i] {
        int k = 0;
        while (Clock::now() < end) {
          int r = goro::blocking([&] {
            std::this_thread::sleep_for(std::chrono::microseconds(50 + 100 * ((k + i) % 5)));
            return k;
          });
          if (r != k) bad_checksums++;
          ++k;
          blocking_calls++;
        }
        done.count_down();
      });
    }
    run_adder_pipeline(kStages, kItems, 16, [](long v) {
      if (v % 97 == 0) churn(static_cast<std::uint64_t>(v), 20000);  // some spinning mid-pipeline
    });
    done.wait();
    EXPECT_EQ(bad_checksums.load(), 0);
    goro::Stats st = goro::stats();
    std::printf("procs %d: %llu preemptions, %llu syscall hand-offs, %ld blocking calls\n", goro::gomaxprocs(0),
                static_cast<unsigned long long>(st.preemptions), static_cast<unsigned long long>(st.syscall_handoffs),
                blocking_calls.load());
    // Without preemption (TSan, ASan, Boost backend) the spinners may keep every P
    // until the end: then only the totals and liveness are checked.
    if (sched::preempt_supported()) {
      EXPECT_GE(st.preemptions, 1u);
      EXPECT_GE(blocking_calls.load(), 1);
    }
  }, {.procs = GetParam(), .time_slice = std::chrono::microseconds(500)});
}

INSTANTIATE_TEST_SUITE_P(Sched, PreemptStress, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
