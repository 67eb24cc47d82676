// goro's headline demo: a short tour, each line with its figure. It grows
// with the runtime (channels, preemption, the poller); for goro beside Go
// 1.19 and Boost in one run, see perf/compare.
#include <goro/goro.hpp>

#include "arch/context.hpp"

#include <atomic>
#include <cstdint>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

double ns_since(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// The raw switch: two contexts handing control back and forth.
double switch_ns() {
  constexpr long kSwitches = 2'000'000;
  static goro::arch::Context main_ctx, pong_ctx;
  constexpr std::size_t kStack = 64 * 1024;
  auto stack = std::make_unique<std::byte[]>(kStack);
  pong_ctx = goro::arch::make_context(stack.get() + kStack, kStack, [](void*) {
    for (;;) goro::arch::switch_context(&pong_ctx, main_ctx);
  }, nullptr);
  auto start = Clock::now();
  for (long i = 0; i < kSwitches / 2; ++i) goro::arch::switch_context(&main_ctx, pong_ctx);
  return ns_since(start) / kSwitches;
}

// skynet: every node spawns ten children and sums what they send back.
void skynet(goro::Chan<std::int64_t> out, std::int64_t num, std::int64_t size) {
  if (size == 1) {
    out.send(num);
    return;
  }
  auto children = goro::make_chan<std::int64_t>();
  const std::int64_t sub = size / 10;
  for (int i = 0; i < 10; ++i) goro::go(skynet, children, num + i * sub, sub);
  std::int64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += *children.recv();
  out.send(sum);
}

}  // namespace

int main() {
  std::printf("goro: Go's goroutines for C++\n\n");
  std::printf("  context switch (%s backend):            %6.1f ns per switch\n", goro::arch::backend_name(), switch_ns());

  int status = goro::run([]() -> int {
    // A million goroutines, spawned and joined.
    constexpr int kSpawn = 1'000'000;
    std::atomic<int> done{0};
    auto start = Clock::now();
    for (int i = 0; i < kSpawn; ++i) goro::go([&] { done.fetch_add(1, std::memory_order_relaxed); });
    while (done.load() < kSpawn) goro::yield();
    double ns = ns_since(start);
    std::printf("  1,000,000 goroutines spawned and joined:  %6.0f ms, %.0f ns each (%d procs)\n", ns / 1e6,
                ns / kSpawn, goro::gomaxprocs());

    // Two goroutines taking turns.
    constexpr int kYields = 1'000'000;
    std::atomic<int> finished{0};
    int prev = goro::gomaxprocs(1);
    start = Clock::now();
    for (int g = 0; g < 2; ++g) goro::go([&] { for (int i = 0; i < kYields; ++i) goro::yield(); finished++; });
    while (finished.load() < 2) goro::yield();
    std::printf("  yield ping-pong between two goroutines:   %6.1f ns per yield\n", ns_since(start) / (2.0 * kYields));
    goro::gomaxprocs(prev);

    // skynet: 1,111,111 goroutines in a tree, talking over unbuffered channels.
    auto root = goro::make_chan<std::int64_t>();
    start = Clock::now();
    goro::go(skynet, root, std::int64_t{0}, std::int64_t{1'000'000});
    std::int64_t total = *root.recv();
    std::printf("  skynet, 1,111,111 goroutines and channels: %6.0f ms (sum %lld)\n", ns_since(start) / 1e6,
                static_cast<long long>(total));

    // A three-stage pipeline over buffered channels.
    constexpr int kItems = 1'000'000;
    auto nums = goro::make_chan<int>(128);
    auto squares = goro::make_chan<long>(128);
    start = Clock::now();
    goro::go([nums] {
      for (int i = 0; i < kItems; ++i) nums.send(i);
      nums.close();
    });
    goro::go([nums, squares] {
      for (int v : nums) squares.send(long(v) * v);
      squares.close();
    });
    long sum = 0;
    for (long v : squares) sum += v;
    const long want_sum = (kItems - 1L) * kItems * (2L * kItems - 1) / 6;
    std::printf("  3-stage channel pipeline, 1,000,000 items: %6.1f ns per item\n", ns_since(start) / kItems);

    // 100,000 goroutines alive at once, each on its own guarded stack.
    constexpr int kLive = 100'000;
    long base = rss_kib();
    std::atomic<int> started{0};
    std::atomic<bool> release{false};
    for (int i = 0; i < kLive; ++i) goro::go([&] {
      started++;
      while (!release.load(std::memory_order_relaxed)) goro::yield();
    });
    while (started.load() < kLive) goro::yield();
    long per = (rss_kib() - base) * 1024 / kLive;
    goro::Stats st = goro::stats();
    std::printf("  100,000 live goroutines:                  %6.2f KiB RSS each (guard page under every stack)\n", per / 1024.0);
    release = true;
    std::printf("\n  stats: %lld goroutines, %d procs, %d threads, %llu switches, %llu steals\n",
                static_cast<long long>(st.goroutines), st.procs, st.threads,
                static_cast<unsigned long long>(st.switches), static_cast<unsigned long long>(st.steals));
    if (total != 499'999'500'000 || sum != want_sum) {
      std::fprintf(stderr, "FAIL: skynet summed %lld, the pipeline %ld\n", static_cast<long long>(total), sum);
      return 1;
    }
    return 0;
  });
  if (status != 0) return status;
  std::printf("\nSide by side with Go 1.19 and Boost: perf/compare. Porting from Go: docs/porting-from-go.md.\n");
  return 0;
}
