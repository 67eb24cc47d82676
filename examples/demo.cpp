// goro's headline demo: a short tour, each line with its figure. For goro
// beside Go 1.19 and Boost in one run, see perf/compare.
//
//   demo [N]    N goroutines parked at once for the memory line (1,000,000;
//               the test runs it with fewer)
#include <goro/goro.hpp>

#include "arch/context.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

double ns_since(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

// 1000000 -> "1,000,000".
std::string with_commas(long n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
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

int main(int argc, char** argv) {
  const long parked = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  std::printf("goro: Go's goroutines for C++\n\n");
  std::printf("  context switch (%s backend):            %6.1f ns per switch\n", goro::arch::backend_name(), switch_ns());

  int status = goro::run([parked]() -> int {
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

    // N goroutines parked at once (each blocked on a channel receive), each
    // on its own stack with a guard page under it.
    long base = rss_kib();
    auto gate = goro::make_chan<goro::Unit>();
    goro::WaitGroup parked_wg;
    parked_wg.add(parked);
    for (long i = 0; i < parked; ++i) goro::go([gate, &parked_wg] {
      parked_wg.done();
      (void)gate.recv();
    });
    parked_wg.wait();
    goro::yield();  // the last ones reach their receive
    long per = (rss_kib() - base) * 1024 / parked;
    goro::Stats st = goro::stats();
    std::printf("  %s goroutines parked at once:%*s%6.2f KiB RSS each (guard page under every stack)\n",
                with_commas(parked).c_str(), static_cast<int>(14 - with_commas(parked).size()), "", per / 1024.0);
    gate.close();
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

  // One P, and a goroutine that spins without a single call: the others
  // still run, because sysmon preempts it (SIGURG) after its 10 ms slice.
  goro::run([] {
    std::atomic<bool> stop{false};
    goro::WaitGroup spun;  // the spinner reads `stop` until it has seen it
    spun.add(1);
    goro::go([&stop, &spun] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
      spun.done();
    });
    goro::yield();  // the spinner holds the only P from here on
    auto start = Clock::now();
    int ticks = 0;
    double max_gap_ms = 0;
    for (auto last = Clock::now(); Clock::now() - start < std::chrono::milliseconds(300); ++ticks) {
      goro::sleep(std::chrono::milliseconds(1));
      auto now = Clock::now();
      max_gap_ms = std::max(max_gap_ms, std::chrono::duration<double, std::milli>(now - last).count());
      last = now;
    }
    stop = true;
    spun.wait();
    std::printf("  1 P, a goroutine spinning with no calls:  a 1 ms sleep loop still ticked %d times in 300 ms "
                "(longest gap %.1f ms; %llu preemptions)\n",
                ticks, max_gap_ms, static_cast<unsigned long long>(goro::stats().preemptions));
  }, {.procs = 1});

  // One P, and a goroutine inside a 300 ms blocking call: sysmon hands the P
  // to another thread, so the others keep running.
  goro::run([] {
    std::atomic<bool> done{false};
    goro::go([&done] {
      goro::blocking([] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); });
      done = true;
    });
    goro::yield();  // let it enter the call
    int ticks = 0;
    while (!done.load()) {
      goro::sleep(std::chrono::milliseconds(1));
      ++ticks;
    }
    std::printf("  1 P, a goroutine in a 300 ms blocking call: the others ticked %d times meanwhile "
                "(%llu P hand-offs)\n",
                ticks, static_cast<unsigned long long>(goro::stats().syscall_handoffs));
  }, {.procs = 1});
  std::printf("\nSide by side with Go 1.19 and Boost: perf/compare. Porting from Go: docs/porting-from-go.md.\n");
  return 0;
}
