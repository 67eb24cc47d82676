// thread-ring: 503 goroutines in a ring of unbuffered channels pass a token
// `size` hops (default 10,000,000); whoever receives 0 reports to main.
// Timed from the first send to the report, inside one goro::run.
//
//   build-perf/perf/macro/thread_ring --procs 1 --size 10000000
//   -> {"bench":"thread_ring",...,"value":<ns per hop>,"unit":"ns/hop",...}
//
// Same work as perf/go/cmd/threadring.
#include "perf/macro/report.hpp"

#include <goro/goro.hpp>

#include <vector>

namespace {
constexpr int kRing = 503;
}

int main(int argc, char** argv) {
  const long procs = goro::perf::flag(argc, argv, "procs", 1);
  const long hops = goro::perf::flag(argc, argv, "size", 10000000);
  double ms = 0;
  goro::run(
      [&] {
        std::vector<goro::Chan<long>> ring;
        for (int i = 0; i < kRing; ++i) ring.push_back(goro::make_chan<long>());
        auto done = goro::make_chan<long>();
        for (int i = 0; i < kRing; ++i)
          goro::go([in = ring[i], out = ring[(i + 1) % kRing], done] {
            for (long t : in) {
              if (t == 0)
                done.send(0);
              else
                out.send(t - 1);
            }
          });
        auto t0 = std::chrono::steady_clock::now();
        ring[0].send(hops);
        done.recv();
        ms = goro::perf::ms_since(t0);
        for (auto& c : ring) c.close();
      },
      {.procs = static_cast<int>(procs)});
  goro::perf::report("thread_ring", "goro", procs, hops, ms * 1e6 / static_cast<double>(hops), "ns/hop");
  return 0;
}
