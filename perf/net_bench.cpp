// net_bench: TCP echo over loopback with 1,000 connections, beside
// perf/go/net_test.go (GOFLAGS=-mod=mod GOPROXY=off go test -bench TCPEcho -cpu 1,2 in perf/go).
//
//   build-release/perf/net_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
//   tcp_echo/procs:N  1,000 connections to an echo server in the same
//                     runtime (a goroutine per connection on both ends).
//                     One iteration = every client goroutine makes kRounds
//                     round trips of a 64-byte message. roundtrips_per_s
//                     (all connections together), and its inverse
//                     ns_per_roundtrip (what perf/compare reads).
// The connections are dialled before timing starts. As in the other
// benchmarks, read real time and the counter (the CPU-time column is meaningless).
// perf/net_floor.cpp drives the same traffic from one thread with a bare
// epoll loop: the floor under procs:1 on the machine at hand (most of a
// round trip is the kernel's loopback TCP, the same for goro and Go).
#include <goro/goro.hpp>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

constexpr int kConns = 1000;
constexpr int kRounds = 10;
constexpr std::size_t kMessage = 64;

void serve(goro::net::Listener ln) {
  for (;;) {
    goro::net::Conn c;
    try {
      c = ln.accept();
    } catch (const std::system_error&) {
      return;
    }
    goro::go([c] {
      std::byte buf[4096];
      try {
        while (std::size_t n = c.read(buf)) c.write({buf, n});
      } catch (const std::system_error&) {
      }
      c.close();
    });
  }
}

void round_trips(const goro::net::Conn& c) {
  std::byte msg[kMessage] = {};
  std::byte back[kMessage];
  for (int r = 0; r < kRounds; ++r) {
    c.write(msg);
    std::size_t got = 0;
    while (got < kMessage) {
      std::size_t n = c.read({back + got, kMessage - got});
      if (n == 0) throw std::runtime_error("echo server closed the connection");
      got += n;
    }
  }
}

void tcp_echo(benchmark::State& state) {
  goro::run(
      [&state] {
        goro::net::Listener ln = goro::net::listen("tcp", "127.0.0.1:0");
        goro::go(serve, ln);
        std::vector<goro::net::Conn> conns;
        for (int i = 0; i < kConns; ++i) conns.push_back(goro::net::dial("tcp", ln.addr()));
        for (auto _ : state) {
          goro::WaitGroup wg;
          wg.add(kConns);
          for (const goro::net::Conn& c : conns)
            goro::go([&wg, c] {
              round_trips(c);
              wg.done();
            });
          wg.wait();
        }
        for (const goro::net::Conn& c : conns) c.close();
        ln.close();
      },
      {.procs = static_cast<int>(state.range(0))});
  double trips = static_cast<double>(state.iterations()) * kConns * kRounds;
  state.SetItemsProcessed(static_cast<int64_t>(trips));
  state.counters["roundtrips_per_s"] = benchmark::Counter(trips, benchmark::Counter::kIsRate);
  // The same figure inverted, per round trip of one connection (perf/compare reads it).
  state.counters["ns_per_roundtrip"] = benchmark::Counter(trips, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(tcp_echo)->ArgName("procs")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
