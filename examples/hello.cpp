// The README's example, built and run as a test so it keeps compiling.
#include <goro/goro.hpp>

#include <cstdio>

int main() {
  return goro::run([] {
    auto squares = goro::make_chan<long>(64);     // make(chan int64, 64)
    goro::WaitGroup wg;
    for (long i = 1; i <= 1000; ++i) {
      wg.add();
      goro::go([&wg, squares](long n) { squares.send(n * n); wg.done(); }, i);  // go f(i)
    }
    goro::go([&wg, squares] { wg.wait(); squares.close(); });
    long sum = 0;
    for (long s : squares) sum += s;              // for s := range squares
    int answer = goro::blocking([] { return 42; });  // a call the runtime cannot see into
    std::printf("sum of 1000 squares: %ld on %d procs, blocking() gave %d\n", sum, goro::gomaxprocs(), answer);
    return sum == 333'833'500 ? 0 : 1;
  }, {.procs = 4});
}
