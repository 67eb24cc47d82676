// Rate limiting with a Ticker (Go by Example's "Rate Limiting"): requests
// are served at most one per tick; a bursty limiter lets a few through at
// once and then falls back to the tick rate.
//
//   rate_limiter [requests] [interval_ms]     (default 10 and 20; the test runs 8 and 10)
//
// Exits 1 if a request is served before its tick allows it. Ticks never come
// early, so this check holds on any machine, however loaded.
#include <goro/goro.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace std::chrono_literals;
using Clock = goro::Clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const int nrequests = argc > 1 ? std::atoi(argv[1]) : 10;
  const auto interval = std::chrono::milliseconds(argc > 2 ? std::atoi(argv[2]) : 20);
  constexpr int kBurst = 3;

  return goro::run([&]() -> int {
    int failures = 0;

    // Steady: one request per tick.
    {
      auto requests = goro::make_chan<int>(nrequests);
      for (int i = 1; i <= nrequests; ++i) requests.send(i);
      requests.close();

      const Clock::time_point start = Clock::now();
      goro::Ticker limiter(interval);
      int served = 0;
      for (int req : requests) {
        limiter.c().recv();  // <-limiter.C
        ++served;
        Clock::duration at = Clock::now() - start;
        std::printf("steady: request %2d at %6.1f ms\n", req, ms(at));
        if (at < served * interval) {
          std::fprintf(stderr, "FAIL: request %d served before tick %d\n", req, served);
          ++failures;
        }
      }
      limiter.stop();
    }

    // Bursty: up to kBurst requests at once, then one per tick.
    {
      auto tokens = goro::make_chan<Clock::time_point>(kBurst);
      for (int i = 0; i < kBurst; ++i) tokens.send(Clock::now());
      auto stop = goro::make_chan<goro::Unit>();
      goro::WaitGroup refiller;
      refiller.add();
      const Clock::time_point start = Clock::now();
      goro::go([&refiller, tokens, stop, interval] {
        goro::Ticker tick(interval);
        for (bool running = true; running;) {
          goro::select(goro::recv(tick.c(), [&](Clock::time_point t) { tokens.try_send(t); }),  // drop if full
                       goro::recv(stop, [&] { running = false; }));
        }
        refiller.done();
      });

      auto requests = goro::make_chan<int>(nrequests);
      for (int i = 1; i <= nrequests; ++i) requests.send(i);
      requests.close();
      int served = 0;
      for (int req : requests) {
        tokens.recv();
        ++served;
        Clock::duration at = Clock::now() - start;
        std::printf("bursty: request %2d at %6.1f ms\n", req, ms(at));
        // The first kBurst requests use the pre-filled tokens; request
        // kBurst + k needs the k-th tick.
        if (served > kBurst && at < (served - kBurst) * interval) {
          std::fprintf(stderr, "FAIL: request %d served before tick %d\n", req, served - kBurst);
          ++failures;
        }
      }
      stop.close();
      refiller.wait();
    }
    return failures ? 1 : 0;
  }, {.procs = 2});
}
