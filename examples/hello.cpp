// The README's example, built and run as a test so it keeps compiling.
#include <goro/goro.hpp>

#include <atomic>
#include <cstdio>

int main() {
  return goro::run([] {
    std::atomic<int> done{0};
    for (int i = 0; i < 1000; ++i)
      goro::go([&done](int n) { if (n == 999) std::puts("hello from goroutine 999"); done++; }, i);
    auto data = goro::blocking([] { return 42; });   // a call the runtime cannot see into
    while (done < 1000) goro::yield();                // channels and WaitGroup are next
    std::printf("%d goroutines ran, %d procs, blocking() gave %d\n", done.load(), goro::gomaxprocs(), data);
  }, {.procs = 4});
}
