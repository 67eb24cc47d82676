// timer_bench: the timer layer, beside perf/go/timer_test.go.
//
//   build-release/perf/timer_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   (perf/go: GOFLAGS=-mod=mod GOPROXY=off go test -bench Timer -cpu 1,2)
//
// Each benchmark starts one runtime and runs the `for (auto _ : state)` loop
// in its main goroutine (see sched_bench.cpp); read the real time.
//
//   timer_stop/procs:N    one iteration = Timer t(1h); t.stop(): a timer put
//                         into the P's heap and taken out again before it
//                         fires (Go: time.NewTimer(time.Hour).Stop()).
//                         ns_per_timer.
//   timer_sleep/procs:N   one iteration = wg.add(kSleepers), kSleepers
//                         goroutines each sleep(1ns) (a real timer: only
//                         d <= 0 returns at once) then wg.done(), wg.wait():
//                         arm, fire, wake. ns_per_sleep = real time / sleeps.
#include <goro/goro.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>

namespace {

constexpr int kSleepers = 1000;

void per_item(benchmark::State& state, const char* name, double items) {
  state.SetItemsProcessed(static_cast<int64_t>(items));
  state.counters[name] = benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void timer_stop(benchmark::State& state) {
  goro::run(
      [&state] {
        for (auto _ : state) {
          goro::Timer t(std::chrono::hours(1));
          benchmark::DoNotOptimize(t.stop());
        }
      },
      {.procs = static_cast<int>(state.range(0))});
  per_item(state, "ns_per_timer", static_cast<double>(state.iterations()));
}

void timer_sleep(benchmark::State& state) {
  goro::run(
      [&state] {
        goro::WaitGroup wg;
        for (auto _ : state) {
          wg.add(kSleepers);
          for (int i = 0; i < kSleepers; ++i)
            goro::go([&wg] {
              goro::sleep(std::chrono::nanoseconds(1));
              wg.done();
            });
          wg.wait();
        }
      },
      {.procs = static_cast<int>(state.range(0))});
  per_item(state, "ns_per_sleep", static_cast<double>(state.iterations()) * kSleepers);
}

}  // namespace

BENCHMARK(timer_stop)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(timer_sleep)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
