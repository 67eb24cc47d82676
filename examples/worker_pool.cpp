// A worker pool, Go's jobs/results pattern: a fixed number of workers range
// over one jobs channel, a WaitGroup closes the results channel once every
// worker has finished, and main ranges over the results.
//
//   worker_pool [jobs]       (default 10000; the test runs 2000)
//
// Exits 1 if a job is lost or counted twice.
#include <goro/goro.hpp>

#include <cstdio>
#include <cstdlib>

namespace {

struct Result {
  int worker;
  long value;
};

}  // namespace

int main(int argc, char** argv) {
  const long njobs = argc > 1 ? std::atol(argv[1]) : 10000;
  constexpr int kWorkers = 8;

  return goro::run([njobs]() -> int {
    auto jobs = goro::make_chan<long>(64);
    auto results = goro::make_chan<Result>(64);

    goro::WaitGroup wg;
    for (int w = 0; w < kWorkers; ++w) {
      wg.add();
      goro::go([&wg, jobs, results](int id) {
        for (long j : jobs) results.send({id, j * j});  // for j := range jobs
        wg.done();
      }, w);
    }

    // The producer: sends every job, then closes the channel so the workers' loops end.
    goro::go([jobs, njobs] {
      for (long i = 1; i <= njobs; ++i) jobs.send(i);
      jobs.close();
    });

    // The closer: results is closed once no worker can send on it any more.
    goro::go([&wg, results] {
      wg.wait();
      results.close();
    });

    long sum = 0, count = 0;
    long per_worker[kWorkers] = {};
    for (Result r : results) {
      sum += r.value;
      ++count;
      ++per_worker[r.worker];
    }

    const long want = njobs * (njobs + 1) * (2 * njobs + 1) / 6;  // sum of squares
    std::printf("%ld jobs on %d workers, sum of squares %ld\n", count, kWorkers, sum);
    std::printf("jobs per worker:");
    for (long n : per_worker) std::printf(" %ld", n);
    std::printf("\n");
    if (count != njobs || sum != want) {
      std::fprintf(stderr, "FAIL: want %ld results summing to %ld\n", njobs, want);
      return 1;
    }
    return 0;
  }, {.procs = 4});
}
