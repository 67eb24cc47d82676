// sync_bench: WaitGroup and Mutex, beside perf/go/sync_test.go.
//
//   build-release/perf/sync_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   (perf/go: GOFLAGS=-mod=mod GOPROXY=off go test -bench 'Mutex|WaitGroup' -cpu 2)
//
// Each benchmark starts one runtime and runs the `for (auto _ : state)` loop
// in its main goroutine (see sched_bench.cpp); read the real time.
//
//   waitgroup_uncontended  one iteration = add(1), done(), wait() on one
//                          goroutine: the no-waiter fast paths.
//   waitgroup_batch        one iteration = add(kBatch), go() kBatch goroutines
//                          that each call done(), wait(). ns_per_done = real
//                          time / goroutines (includes spawning them).
//   mutex_contended/G      one iteration = G goroutines each doing kOps
//                          lock(); ++n; unlock(); then wait for them (a
//                          WaitGroup). ns_per_lock = real time / (G * kOps).
#include <goro/goro.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>

namespace {

constexpr int kBatch = 1000;
constexpr int kOps = 1000;

void per_item(benchmark::State& state, const char* name, double items) {
  state.SetItemsProcessed(static_cast<int64_t>(items));
  state.counters[name] = benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void waitgroup_uncontended(benchmark::State& state) {
  goro::run([&state] {
    goro::WaitGroup wg;
    for (auto _ : state) {
      wg.add(1);
      wg.done();
      wg.wait();
    }
  }, {.procs = static_cast<int>(state.range(0))});
  per_item(state, "ns_per_round", static_cast<double>(state.iterations()));
}

void waitgroup_batch(benchmark::State& state) {
  goro::run([&state] {
    goro::WaitGroup wg;
    for (auto _ : state) {
      wg.add(kBatch);
      for (int i = 0; i < kBatch; ++i) goro::go([&wg] { wg.done(); });
      wg.wait();
    }
  }, {.procs = static_cast<int>(state.range(0))});
  per_item(state, "ns_per_done", static_cast<double>(state.iterations()) * kBatch);
}

void mutex_contended(benchmark::State& state) {
  const int goroutines = static_cast<int>(state.range(0));
  goro::run([&state, goroutines] {
    goro::Mutex mu;
    goro::WaitGroup wg;
    std::int64_t n = 0;
    for (auto _ : state) {
      wg.add(goroutines);
      for (int g = 0; g < goroutines; ++g)
        goro::go([&] {
          for (int i = 0; i < kOps; ++i) {
            mu.lock();
            ++n;
            mu.unlock();
          }
          wg.done();
        });
      wg.wait();
    }
    benchmark::DoNotOptimize(n);
  }, {.procs = 2});
  per_item(state, "ns_per_lock", static_cast<double>(state.iterations()) * goroutines * kOps);
}

}  // namespace

BENCHMARK(waitgroup_uncontended)->ArgName("procs")->Arg(2)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(waitgroup_batch)->ArgName("procs")->Arg(2)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(mutex_contended)->ArgName("goroutines")->Arg(4)->Arg(16)->UseRealTime()->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
