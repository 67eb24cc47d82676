// perf/icount: instructions per operation of goro's hottest paths, counted by
// callgrind (deterministic, unlike time on a shared machine). Run it through
// perf/icount, which subtracts a run of N from a run of 2N so that start-up
// and shutdown cancel out.
//
//   icount yield N   main and a partner goroutine yield to each other N times
//                    (one op = a yield by each: two switches)
//   icount chan N    N round trips over two unbuffered channels (one op =
//                    two sends, two receives, two switches)
//   icount buffered N  N items through a channel of capacity 128, one sender
//                    goroutine and main receiving (one op = a send and a
//                    receive; a park and wake-up per side every 128 items)
#include <goro/goro.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const long n = std::atol(argv[2]);
  const bool yield = std::strcmp(argv[1], "yield") == 0;
  const bool buffered = std::strcmp(argv[1], "buffered") == 0;
  goro::run([&] {
    if (buffered) {
      auto ch = goro::make_chan<int>(128);
      goro::go([ch, n] {
        for (long i = 0; i < n; ++i) ch.send(1);
        ch.close();
      });
      for (int v : ch) (void)v;
    } else if (yield) {
      std::atomic<bool> stop{false};
      goro::go([&] {
        while (!stop.load(std::memory_order_relaxed)) goro::yield();
      });
      goro::yield();
      for (long i = 0; i < n; ++i) goro::yield();
      stop = true;
    } else {
      auto ping = goro::make_chan<int>(), pong = goro::make_chan<int>();
      goro::go([ping, pong] {
        for (int v : ping) pong.send(v);
      });
      for (long i = 0; i < n; ++i) {
        ping.send(1);
        (void)pong.recv();
      }
      ping.close();
    }
  }, goro::Options{.procs = 1, .preempt = false});  // valgrind cannot resume a copied signal frame
  return 0;
}
