// A pipeline with fan-out and fan-in (the Go blog's "Pipelines and
// cancellation"): gen -> several sq stages reading one channel (fan-out) ->
// merge (fan-in) -> the sink. Every stage stops early when `done` closes,
// so a sink that leaves after a few values strands no goroutine.
//
//   pipeline [n]       (default 100000; the test runs 5000)
//
// Exits 1 on a wrong sum; hangs (and the test times out) if a stage leaks.
#include <goro/goro.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {

using goro::Chan;
using goro::Unit;

// Emits 1..n on the returned channel, then closes it.
Chan<long> gen(Chan<Unit> done, long n, goro::WaitGroup& stages) {
  Chan<long> out(16);
  stages.add();
  goro::go([done, out, n, &stages] {
    for (long i = 1; i <= n; ++i) {
      bool cancelled = false;
      goro::select(goro::send(out, i), goro::recv(done, [&] { cancelled = true; }));
      if (cancelled) break;
    }
    out.close();
    stages.done();
  });
  return out;
}

// Squares what arrives on in. Several sq stages share one input: fan-out.
Chan<long> sq(Chan<Unit> done, Chan<long> in, goro::WaitGroup& stages) {
  Chan<long> out(16);
  stages.add();
  goro::go([done, in, out, &stages] {
    for (long v : in) {
      bool cancelled = false;
      goro::select(goro::send(out, v * v), goro::recv(done, [&] { cancelled = true; }));
      if (cancelled) break;
    }
    out.close();
    stages.done();
  });
  return out;
}

// Copies every input channel onto one output: fan-in. The output closes
// when all inputs have closed.
Chan<long> merge(Chan<Unit> done, const std::vector<Chan<long>>& ins, goro::WaitGroup& stages) {
  Chan<long> out(16);
  auto copying = std::make_shared<goro::WaitGroup>();
  for (const Chan<long>& in : ins) {
    copying->add();
    stages.add();
    goro::go([done, in, out, copying, &stages] {
      for (long v : in) {
        bool cancelled = false;
        goro::select(goro::send(out, v), goro::recv(done, [&] { cancelled = true; }));
        if (cancelled) break;
      }
      copying->done();
      stages.done();
    });
  }
  stages.add();
  goro::go([out, copying, &stages] {
    copying->wait();
    out.close();
    stages.done();
  });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 100000;
  constexpr int kSquarers = 4;

  return goro::run([n]() -> int {
    int failures = 0;

    // 1. Drain everything.
    {
      goro::WaitGroup stages;
      Chan<Unit> done(0);
      Chan<long> nums = gen(done, n, stages);
      std::vector<Chan<long>> squares;
      for (int i = 0; i < kSquarers; ++i) squares.push_back(sq(done, nums, stages));
      long sum = 0, count = 0;
      for (long v : merge(done, squares, stages)) {
        sum += v;
        ++count;
      }
      stages.wait();
      const long want = n * (n + 1) * (2 * n + 1) / 6;
      std::printf("full run: %ld values through %d squarers, sum %ld\n", count, kSquarers, sum);
      if (count != n || sum != want) {
        std::fprintf(stderr, "FAIL: want %ld values summing to %ld\n", n, want);
        ++failures;
      }
    }

    // 2. Take ten values and leave: closing done stops every stage.
    {
      goro::WaitGroup stages;
      Chan<Unit> done(0);
      Chan<long> nums = gen(done, n, stages);
      std::vector<Chan<long>> squares;
      for (int i = 0; i < kSquarers; ++i) squares.push_back(sq(done, nums, stages));
      Chan<long> out = merge(done, squares, stages);
      long taken = 0;
      for (int i = 0; i < 10; ++i)
        if (out.recv()) ++taken;
      done.close();   // broadcast: every receive on done now succeeds
      stages.wait();  // hangs if any stage missed the cancellation
      std::printf("early exit: took %ld values, then all %d stages stopped\n", taken, 2 * kSquarers + 2);
      if (taken != 10) {
        std::fprintf(stderr, "FAIL: took %ld values, want 10\n", taken);
        ++failures;
      }
    }
    return failures ? 1 : 0;
  }, {.procs = 4});
}
