// Channel storms (suite 'stress'): goroutines and a foreign thread sending
// and receiving through random selects over many channels, with exact
// accounting: every value sent is received exactly once. Sized by
// GORO_STRESS_SCALE (meson option stress_scale; CI runs 1).
#include "tests/sched/support.hpp"

#include <goro/goro.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <thread>
#include <vector>

namespace goro::test {
namespace {

int scale() {
  const char* s = std::getenv("GORO_STRESS_SCALE");
  int n = s ? std::atoi(s) : 1;
  return n > 0 ? n : 1;
}

class Stress : public Procs {};

// Producers send unique ids through random selects over a set of channels
// with mixed capacities (including nil ones); consumers receive through
// random selects (sometimes with a default) and mark each id. Then every
// channel is closed and drained.
TEST_P(Stress, RandomSelectStorm) {
  goro::run([] {
    const int nchans = 16, producers = 24, consumers = 24;
    const int per_producer = 2000 * scale();
    const long total = long(producers) * per_producer;
    std::vector<goro::Chan<long>> chans;
    for (int i = 0; i < nchans; ++i) chans.push_back(i % 5 == 4 ? goro::Chan<long>() : make_chan<long>(i % 4 == 0 ? 0 : i));
    auto seen = std::make_unique<std::atomic<int>[]>(total);
    std::atomic<long> received{0};
    Latch producers_done(producers);
    Latch consumers_done(consumers + 1);

    auto consume = [&](int seed) {
      std::mt19937 rng(seed);
      auto mark = [&](std::optional<long> v) {
        if (v) {
          seen[*v]++;
          received++;
        }
      };
      for (;;) {
        if (received.load() >= total) break;
        const auto& a = chans[rng() % nchans];
        const auto& b = chans[rng() % nchans];
        const auto& c = chans[rng() % nchans];
        if (rng() % 4 == 0) {
          bool idle = false;
          goro::select(goro::recv(a, mark), goro::recv(b, mark), goro::recv(c, mark), goro::default_([&] { idle = true; }));
          if (idle) goro::in_goroutine() ? goro::yield() : std::this_thread::yield();
        } else {
          // Blocking, but with a quit channel so the storm can end.
          const auto& d = chans[0];
          goro::select(goro::recv(a, mark), goro::recv(b, mark), goro::recv(c, mark), goro::recv(d, mark));
        }
      }
    };

    for (int p = 0; p < producers; ++p) {
      goro::go([&, p] {
        std::mt19937 rng(p * 7919 + 1);
        for (int i = 0; i < per_producer; ++i) {
          long id = long(p) * per_producer + i;
          const auto& a = chans[rng() % nchans];
          const auto& b = chans[rng() % nchans];
          const auto& c = chans[1 + rng() % (nchans - 1)];
          if (!c) {
            chans[1].send(id);
            continue;
          }
          switch (rng() % 3) {
            case 0: goro::select(goro::send(a, id), goro::send(b, id), goro::send(c, id)); break;
            case 1:
              // A producer may receive too: it hands that value on, and
              // tries again until its own value went out.
              while (goro::select(goro::send(a, id), goro::recv(chans[2], [&](std::optional<long> v) {
                       if (v) chans[1].send(*v);
                     }), goro::send(c, id)) == 1) {
              }
              break;
            default: c.send(id); break;
          }
        }
        producers_done.count_down();
      });
    }
    for (int k = 0; k < consumers; ++k) goro::go([&, k] { consume(1000 + k); consumers_done.count_down(); });
    // A foreign thread consumes too.
    std::thread t([&] { consume(424242); consumers_done.count_down(); });
    producers_done.wait();
    while (received.load() < total) goro::yield();
    // Wake the consumers blocked in selects: closing chans[0] makes it always ready.
    chans[0].close();
    consumers_done.wait();
    goro::blocking([&] { t.join(); });
    EXPECT_EQ(received.load(), total);
    long wrong = 0;
    for (long i = 0; i < total; ++i) wrong += seen[i].load() != 1;
    EXPECT_EQ(wrong, 0) << "values not received exactly once";
  }, {.procs = GetParam()});
}

INSTANTIATE_TEST_SUITE_P(Chan, Stress, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
