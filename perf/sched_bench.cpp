// sched_bench: the scheduler's hot paths, beside perf/go/spawn_test.go.
//
//   build-release/perf/sched_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Each benchmark run starts one runtime (goro::run) and runs the whole
// `for (auto _ : state)` loop inside its main goroutine, so runtime start-up
// is outside the timed region and `state` is only ever touched by one
// goroutine. The main goroutine may migrate between Ms, so the CPU-time
// column is meaningless; read the real time (UseRealTime) and the counters.
//
//   spawn_join/procs:N   one iteration = wg.add(kBatch), go() kBatch goroutines
//                        that each call wg.done(), wg.wait(): exactly Go's
//                        BenchmarkSpawnJoin. ns_per_goroutine = real time / goroutines.
//   yield_pingpong/procs:1  main and one partner goroutine both loop on
//                        goro::yield(); one iteration = one yield by each,
//                        i.e. two switches. ns_per_yield = real time / yields.
#include "tests/support/latch.hpp"

#include <goro/goro.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>

namespace {

constexpr int kBatch = 10000;

void per_item(benchmark::State& state, const char* name, double items) {
  state.SetItemsProcessed(static_cast<int64_t>(items));
  state.counters[name] = benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void spawn_join(benchmark::State& state) {
  const int procs = static_cast<int>(state.range(0));
  goro::run(
      [&state] {
        goro::WaitGroup wg;
        for (auto _ : state) {
          wg.add(kBatch);
          for (int i = 0; i < kBatch; ++i) goro::go([&wg] { wg.done(); });
          wg.wait();
        }
      },
      {.procs = procs});
  per_item(state, "ns_per_goroutine", static_cast<double>(state.iterations()) * kBatch);
}

void yield_pingpong(benchmark::State& state) {
  const int procs = static_cast<int>(state.range(0));
  goro::run(
      [&state] {
        std::atomic<bool> stop{false};
        goro::test::Latch done(1);
        goro::go([&stop, &done] {
          while (!stop.load(std::memory_order_relaxed)) goro::yield();
          done.count_down();
        });
        goro::yield();  // let the partner start, so the loop alternates from the first iteration
        for (auto _ : state) goro::yield();
        stop.store(true, std::memory_order_relaxed);
        done.wait();
      },
      {.procs = procs});
  per_item(state, "ns_per_yield", static_cast<double>(state.iterations()) * 2);
}

}  // namespace

BENCHMARK(spawn_join)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(yield_pingpong)->ArgName("procs")->Arg(1)->UseRealTime()->Unit(benchmark::kNanosecond);

BENCHMARK_MAIN();
