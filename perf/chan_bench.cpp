// chan_bench: channel hot paths, beside perf/go/chan_test.go.
//
//   build-release/perf/chan_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// As in sched_bench, each benchmark runs its whole `for (auto _ : state)`
// loop inside one goro::run main goroutine; read the real time and the
// per-item counters (the CPU-time column is meaningless: the main goroutine
// may migrate between Ms).
//
//   pingpong/procs:1      main sends on an unbuffered channel, a partner
//                         receives and answers on another; one iteration =
//                         one round trip. ns_per_roundtrip.
//   select_pingpong/procs:1  as pingpong, but both receives are two-case
//                         selects (the value's channel and a quit channel
//                         that never fires). ns_per_roundtrip.
//   buffered_1p1c/procs:N one producer, one consumer, capacity 128; one
//                         iteration = kItems items. ns_per_item.
//   buffered_4p4c/procs:N four producers, four consumers, capacity 128.
//   thread_ring/procs:N   503 goroutines in a ring of unbuffered channels
//                         pass a token kHops times. ns_per_hop.
//   skynet/procs:N        the skynet benchmark: a tree of 1,111,111
//                         goroutines (fan-out 10) summing 0..999,999 through
//                         unbuffered channels. ms_per_run.
#include "tests/support/latch.hpp"

#include <goro/goro.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

constexpr int kItems = 100000;
constexpr int kHops = 100000;
constexpr int kRing = 503;

void per_item(benchmark::State& state, const char* name, double items) {
  state.SetItemsProcessed(static_cast<int64_t>(items));
  state.counters[name] = benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void pingpong(benchmark::State& state) {
  goro::run(
      [&state] {
        auto ping = goro::make_chan<int>(), pong = goro::make_chan<int>();
        goro::go([ping, pong] {
          for (int v : ping) pong.send(v);
        });
        for (auto _ : state) {
          ping.send(1);
          benchmark::DoNotOptimize(pong.recv());
        }
        ping.close();
      },
      {.procs = static_cast<int>(state.range(0))});
  per_item(state, "ns_per_roundtrip", static_cast<double>(state.iterations()));
}

void select_pingpong(benchmark::State& state) {
  goro::run(
      [&state] {
        auto ping = goro::make_chan<int>(), pong = goro::make_chan<int>(), quit = goro::make_chan<int>();
        goro::go([ping, pong, quit] {
          for (bool more = true; more;) {
            goro::select(goro::recv(ping, [&](int v) { pong.send(v); }), goro::recv(quit, [&] { more = false; }));
          }
        });
        for (auto _ : state) {
          ping.send(1);
          goro::select(goro::recv(pong, [](int v) { benchmark::DoNotOptimize(v); }), goro::recv(quit));
        }
        quit.close();
      },
      {.procs = static_cast<int>(state.range(0))});
  per_item(state, "ns_per_roundtrip", static_cast<double>(state.iterations()));
}

void buffered(benchmark::State& state, int producers, int consumers) {
  goro::run(
      [&state, producers, consumers] {
        auto ch = goro::make_chan<int>(128);
        for (auto _ : state) {
          goro::test::Latch done(producers + consumers);
          for (int p = 0; p < producers; ++p)
            goro::go([ch, &done, n = kItems / producers] {
              for (int i = 0; i < n; ++i) ch.send(i);
              done.count_down();
            });
          for (int c = 0; c < consumers; ++c)
            goro::go([ch, &done, n = kItems / consumers] {
              for (int i = 0; i < n; ++i) benchmark::DoNotOptimize(ch.recv());
              done.count_down();
            });
          done.wait();
        }
      },
      {.procs = static_cast<int>(state.range(0))});
  per_item(state, "ns_per_item", static_cast<double>(state.iterations()) * kItems);
}

void buffered_1p1c(benchmark::State& state) { buffered(state, 1, 1); }
void buffered_4p4c(benchmark::State& state) { buffered(state, 4, 4); }

void thread_ring(benchmark::State& state) {
  goro::run(
      [&state] {
        std::vector<goro::Chan<int>> ring;
        for (int i = 0; i < kRing; ++i) ring.push_back(goro::make_chan<int>());
        auto done = goro::make_chan<int>();
        // Node i receives on ring[i] and passes on to ring[i+1]; the token
        // counts down, and whoever sees 0 reports to done.
        for (int i = 0; i < kRing; ++i)
          goro::go([in = ring[i], out = ring[(i + 1) % kRing], done] {
            for (int t : in) {
              if (t == 0)
                done.send(0);
              else
                out.send(t - 1);
            }
          });
        for (auto _ : state) {
          ring[0].send(kHops);
          done.recv();
        }
        for (auto& c : ring) c.close();
      },
      {.procs = static_cast<int>(state.range(0))});
  per_item(state, "ns_per_hop", static_cast<double>(state.iterations()) * kHops);
}

void skynet_node(goro::Chan<std::int64_t> out, std::int64_t num, std::int64_t size) {
  if (size == 1) {
    out.send(num);
    return;
  }
  auto rc = goro::make_chan<std::int64_t>();
  const std::int64_t sub = size / 10;
  for (int i = 0; i < 10; ++i) goro::go(skynet_node, rc, num + i * sub, sub);
  std::int64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += *rc.recv();
  out.send(sum);
}

void skynet(benchmark::State& state) {
  goro::run(
      [&state] {
        for (auto _ : state) {
          auto c = goro::make_chan<std::int64_t>();
          goro::go(skynet_node, c, 0, 1000000);
          std::int64_t sum = *c.recv();
          if (sum != 499999500000) std::abort();
        }
      },
      {.procs = static_cast<int>(state.range(0))});
  state.counters["ms_per_run"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 1000, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(pingpong)->ArgName("procs")->Arg(1)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(select_pingpong)->ArgName("procs")->Arg(1)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(buffered_1p1c)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(buffered_4p4c)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(thread_ring)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(skynet)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
