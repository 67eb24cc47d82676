// fiber_bench: Boost.Fiber counterparts of sched_bench and chan_bench, on one
// thread with Boost.Fiber's default round_robin scheduler (so they line up
// with goro's procs:1 rows). Built only when Debian's libboost-fiber-dev is
// installed (perf/boost/meson.build).
//
//   build-perf/perf/boost/fiber_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The thread's main context is itself a fiber, so each loop runs in it, as
// goro's run in the main goroutine.
//
//   fiber_yield             main and one partner fiber both loop on
//                           this_fiber::yield(); ns_per_yield = time / (2 x iterations).
//   fiber_pingpong          unbuffered_channel ping, answer on pong; one
//                           iteration = one round trip. ns_per_roundtrip.
//   fiber_buffered_1p1c/4p4c  buffered_channel of capacity 128 (Boost requires
//                           a power of two; it holds capacity - 1 items), one
//                           iteration = kItems items through producer and
//                           consumer fibers, joined. ns_per_item.
#include <boost/fiber/all.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace {

namespace fibers = boost::fibers;

constexpr int kItems = 100000;

void per_item(benchmark::State& state, const char* name, double items) {
  state.SetItemsProcessed(static_cast<int64_t>(items));
  state.counters[name] = benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void fiber_yield(benchmark::State& state) {
  bool stop = false;
  fibers::fiber partner([&stop] {
    while (!stop) boost::this_fiber::yield();
  });
  boost::this_fiber::yield();
  for (auto _ : state) boost::this_fiber::yield();
  stop = true;
  partner.join();
  per_item(state, "ns_per_yield", static_cast<double>(state.iterations()) * 2);
}

void fiber_pingpong(benchmark::State& state) {
  fibers::unbuffered_channel<int> ping, pong;
  fibers::fiber partner([&] {
    for (int v : ping) pong.push(v);
  });
  for (auto _ : state) {
    ping.push(1);
    benchmark::DoNotOptimize(pong.value_pop());
  }
  ping.close();
  partner.join();
  per_item(state, "ns_per_roundtrip", static_cast<double>(state.iterations()));
}

void fiber_buffered(benchmark::State& state, int producers, int consumers) {
  fibers::buffered_channel<int> ch(128);
  for (auto _ : state) {
    std::vector<fibers::fiber> fs;
    for (int p = 0; p < producers; ++p)
      fs.emplace_back([&ch, n = kItems / producers] {
        for (int i = 0; i < n; ++i) ch.push(i);
      });
    for (int c = 0; c < consumers; ++c)
      fs.emplace_back([&ch, n = kItems / consumers] {
        for (int i = 0; i < n; ++i) benchmark::DoNotOptimize(ch.value_pop());
      });
    for (auto& f : fs) f.join();
  }
  per_item(state, "ns_per_item", static_cast<double>(state.iterations()) * kItems);
}

void fiber_buffered_1p1c(benchmark::State& state) { fiber_buffered(state, 1, 1); }
void fiber_buffered_4p4c(benchmark::State& state) { fiber_buffered(state, 4, 4); }

}  // namespace

BENCHMARK(fiber_yield)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(fiber_pingpong)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(fiber_buffered_1p1c)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(fiber_buffered_4p4c)->UseRealTime()->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
