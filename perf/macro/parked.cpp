// parked: `size` goroutines (default 1,000,000) all parked at once, each in a
// receive on one shared channel; the figure is the peak-RSS growth per
// goroutine, (peak RSS with all of them parked - peak RSS before the first
// go()) / size, in KiB (VmHWM, see report.hpp for why not ru_maxrss). Every goroutine has its own guarded stack (see
// runtime/stack/stack.hpp), so this is the real cost of a parked goroutine:
// its G, its committed stack page(s) and its channel wait entry.
//
//   build-perf/perf/macro/parked --procs 1 --size 1000000
//   -> {"bench":"parked",...,"value":<KiB per goroutine>,"unit":"KiB/goroutine",...}
//
// Same work as perf/go/cmd/parked.
#include "perf/macro/report.hpp"

#include <goro/goro.hpp>

#include <string>

int main(int argc, char** argv) {
  const long procs = goro::perf::flag(argc, argv, "procs", 1);
  const long n = goro::perf::flag(argc, argv, "size", 1000000);
  long before = 0, after = 0;
  std::int64_t alive = 0;
  double spawn_ms = 0;
  goro::run(
      [&] {
        auto gate = goro::make_chan<int>();
        goro::WaitGroup started, finished;
        before = goro::perf::peak_rss_kib();
        auto t0 = std::chrono::steady_clock::now();
        started.add(n);
        finished.add(n);
        for (long i = 0; i < n; ++i)
          goro::go([gate, &started, &finished] {
            started.done();
            gate.recv();  // parks until main closes the gate
            finished.done();
          });
        started.wait();  // every goroutine has run; each is in (or entering) its receive
        spawn_ms = goro::perf::ms_since(t0);
        alive = goro::num_goroutine() - 1;
        after = goro::perf::peak_rss_kib();
        gate.close();
        finished.wait();
      },
      {.procs = static_cast<int>(procs)});
  const double per = static_cast<double>(after - before) / static_cast<double>(n);
  goro::perf::report("parked", "goro", procs, n, per, "KiB/goroutine",
                     ",\"alive\":" + std::to_string(alive) + ",\"rss_before_kib\":" + std::to_string(before) +
                         ",\"rss_parked_kib\":" + std::to_string(after) + ",\"spawn_ms\":" + std::to_string(spawn_ms));
  return 0;
}
