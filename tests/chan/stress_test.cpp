// Channel storms (suite 'stress'): goroutines and a foreign thread sending
// and receiving through random selects over many channels, with exact
// accounting: every value sent is received exactly once. Sized by
// GORO_STRESS_SCALE (meson option stress_scale; CI runs 1).
#include "tests/support/stress.hpp"
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

class Stress : public Procs {};

// Producers send unique ids through random selects over a set of channels
// with mixed capacities (including nil ones); consumers receive through
// random selects (sometimes with a default, sometimes a plain recv) and
// mark each id. Every blocking operation includes `common` (chans[1]) on
// both sides, so a blocked producer and a blocked consumer can always pair
// and the storm cannot deadlock by construction. When the producers are
// done every channel is closed and the consumers drain what is buffered.
TEST_P(Stress, RandomSelectStorm) {
  goro::run([] {
    const int nchans = 16, producers = 24, consumers = 24;
    const int per_producer = 10000 * stress_scale();
    const long total = long(producers) * per_producer;
    std::vector<goro::Chan<long>> chans;
    for (int i = 0; i < nchans; ++i)
      chans.push_back(i % 5 == 4 ? goro::Chan<long>() : make_chan<long>(i % 4 == 0 ? 0 : i));
    const goro::Chan<long>& quit = chans[0];
    const goro::Chan<long>& common = chans[1];
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
      while (received.load() < total) {
        const auto& a = chans[rng() % nchans];
        const auto& b = chans[rng() % nchans];
        const auto& c = chans[rng() % nchans];
        switch (rng() % 4) {
          case 0: {
            bool idle = false;
            goro::select(goro::recv(a, mark), goro::recv(b, mark), goro::recv(c, mark),
                         goro::default_([&] { idle = true; }));
            if (idle) goro::in_goroutine() ? goro::yield() : std::this_thread::yield();
            break;
          }
          case 1:
            mark(common.recv());
            break;
          default:
            goro::select(goro::recv(a, mark), goro::recv(b, mark), goro::recv(c, mark), goro::recv(common, mark),
                         goro::recv(quit, mark));
            break;
        }
      }
    };

    for (int p = 0; p < producers; ++p) {
      goro::go([&, p] {
        std::mt19937 rng(p * 7919 + 1);
        for (int i = 0; i < per_producer; ++i) {
          long id = long(p) * per_producer + i;
          const auto& a = chans[1 + rng() % (nchans - 1)];
          const auto& b = chans[1 + rng() % (nchans - 1)];
          switch (rng() % 4) {
            case 0:
              goro::select(goro::send(a, id), goro::send(b, id), goro::send(common, id));
              break;
            case 1:
              // A producer may receive too: it hands that value on, and
              // tries again until its own value went out.
              while (goro::select(goro::send(a, id), goro::recv(chans[2], [&](std::optional<long> v) {
                       if (v) common.send(*v);
                     }), goro::send(common, id)) == 1) {
              }
              break;
            case 2:
              common.send(id);
              break;
            default:
              if (!a.try_send(id)) common.send(id);
              break;
          }
        }
        producers_done.count_down();
      });
    }
    for (int k = 0; k < consumers; ++k) goro::go([&, k] { consume(1000 + k); consumers_done.count_down(); });
    // A thread that is not a goroutine consumes too.
    std::thread t([&] { consume(424242); consumers_done.count_down(); });
    producers_done.wait();
    // Values may still sit in buffers no consumer is waiting on: closing
    // every channel makes `common` and `quit` always ready, so consumers
    // keep polling random channels and drain the closed buffers.
    for (const auto& c : chans)
      if (c) c.close();
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
