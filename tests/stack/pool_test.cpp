// StackPool bookkeeping: geometry, hot LIFO reuse, counters, many threads,
// running out of address space, and giving released memory back.
#include "tests/support/death.hpp"
#include "runtime/stack/stack.hpp"
#include "tests/stack/support.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace goro::stack {
namespace {

using namespace testing_support;

TEST(StackPool, SlotGeometry) {
  StackPool pool(1000);
  const std::size_t page = std::size_t(sysconf(_SC_PAGESIZE));
  EXPECT_EQ(pool.stack_size(), page);  // rounded up to whole pages
  StackPool big;
  EXPECT_EQ(big.stack_size(), 256u * 1024);
  Stack a = big.allocate(), b = big.allocate();
  EXPECT_EQ(a.size(), 256u * 1024);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.hi) % page, 0u);
  // Adjacent slots: one guard page between one stack's hi and the next's lo.
  EXPECT_EQ(b.lo, a.hi + page);
  EXPECT_TRUE(a);
  EXPECT_FALSE(Stack{});
  big.release(a);
  big.release(b);
}

// A context starts below hi by its slot's color: whole cache lines, under
// 2 KiB, and spread over slots, so the top frames of many goroutines do not
// all land in the same cache sets.
TEST(StackPool, StartsAreColoredPerSlot) {
  StackPool pool(4096);
  std::vector<Stack> stacks;
  std::set<std::ptrdiff_t> offsets;
  int same_as_previous = 0;
  for (int i = 0; i < 256; ++i) {
    stacks.push_back(pool.allocate());
    const Stack& s = stacks.back();
    const std::ptrdiff_t offset = s.hi - s.start();
    EXPECT_GE(offset, 0);
    EXPECT_LT(offset, 2048);
    EXPECT_EQ(offset % 64, 0);
    EXPECT_EQ(s.start(), s.start());  // a slot's color is fixed
    if (i > 0 && offset == stacks[i - 1].hi - stacks[i - 1].start()) ++same_as_previous;
    offsets.insert(offset);
  }
  EXPECT_GE(offsets.size(), 24u);       // 32 colors exist; 256 slots see most of them
  EXPECT_LE(same_as_previous, 32);      // neighbours rarely share one (expected ~8)
  for (const Stack& s : stacks) pool.release(s);
}

TEST(StackPool, ReuseIsHotAndLifo) {
  StackPool pool;
  Stack a = pool.allocate(), b = pool.allocate();
  pool.release(a);
  Stack c = pool.allocate();
  EXPECT_EQ(c.lo, a.lo) << "a released stack is the next one allocated";
  pool.release(b);
  pool.release(c);
  EXPECT_EQ(pool.allocate().lo, c.lo);
  EXPECT_EQ(pool.allocate().lo, b.lo);
}

TEST(StackPool, CountsLiveAndReservedBytes) {
  StackPool pool(64 * 1024);
  EXPECT_EQ(pool.live_stacks(), 0u);
  EXPECT_EQ(pool.reserved_bytes(), 0u);  // nothing reserved before the first stack
  std::vector<Stack> stacks;
  for (int i = 0; i < 1500; ++i) stacks.push_back(pool.allocate());
  EXPECT_EQ(pool.live_stacks(), 1500u);
  // 1024 slots, then 2048: two reservations of (guard + stack) slots.
  EXPECT_EQ(pool.reserved_bytes(), (1024u + 2048u) * (64 * 1024 + sysconf(_SC_PAGESIZE)));
  for (Stack s : stacks) pool.release(s);
  EXPECT_EQ(pool.live_stacks(), 0u);
  EXPECT_EQ(pool.free_stacks(), 1500u);
}

// Every live stack is distinct and stays untouched by other threads: each
// owner stamps its stacks' top word and checks the stamp before release.
TEST(StackPool, ConcurrentAllocateAndRelease) {
  StackPool pool(16 * 1024);
  constexpr int kThreads = 4, kRounds = 20000;
  std::atomic<bool> bad{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      std::vector<std::pair<Stack, std::uint64_t>> mine;
      for (int r = 0; r < kRounds; ++r) {
        if (mine.empty() || (rng() % 3 != 0 && mine.size() < 300)) {
          Stack s = pool.allocate();
          std::uint64_t stamp = (std::uint64_t(t) << 32) | std::uint64_t(r);
          reinterpret_cast<std::uint64_t*>(s.hi)[-1] = stamp;
          mine.emplace_back(s, stamp);
        } else {
          std::size_t i = rng() % mine.size();
          auto [s, stamp] = mine[i];
          if (reinterpret_cast<std::uint64_t*>(s.hi)[-1] != stamp) bad = true;
          pool.release(s);
          mine[i] = mine.back();
          mine.pop_back();
        }
      }
      for (auto [s, stamp] : mine) {
        if (reinterpret_cast<std::uint64_t*>(s.hi)[-1] != stamp) bad = true;
        pool.release(s);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(bad) << "two owners shared a stack";
  EXPECT_EQ(pool.live_stacks(), 0u);
  // Every slot handed out was distinct at any time, so no more were carved
  // than the peak live count allows.
  EXPECT_LE(pool.free_stacks(), std::size_t{kThreads} * 300 + kThreads);
}

#if !defined(__SANITIZE_ADDRESS__)  // ASan's shadow memory needs an unlimited RLIMIT_AS
TEST(StackPoolDeathTest, ThrowsBadAllocWhenAddressSpaceRunsOut) {
  goro::test::use_death_test_style();
  EXPECT_EXIT(
      {
        const long vm_kib = proc_kib("/proc/self/status", "VmSize");
        rlimit lim{};
        lim.rlim_cur = lim.rlim_max = rlim_t(vm_kib + 256 * 1024) * 1024;  // 256 MiB more
        if (setrlimit(RLIMIT_AS, &lim) != 0) std::_Exit(3);
        StackPool pool;
        std::size_t n = 0;
        try {
          for (;; ++n) pool.allocate();
        } catch (const std::bad_alloc&) {
          // 256 MiB of (4 KiB + 256 KiB) slots, give or take the libraries' needs.
          std::_Exit(n > 500 && n < 1010 ? 0 : 4);
        }
      },
      ::testing::ExitedWithCode(0), "");
}
#endif

// Releasing deep stacks trims them in batches: their deep pages become
// LazyFree (MADV_FREE) while the pool stays well short of needing to empty.
TEST(StackPool, DeepPagesOfReleasedStacksAreFreedLazily) {
  StackPool pool;
  constexpr int kStacks = 512;
  std::vector<Stack> stacks;
  for (int i = 0; i < kStacks; ++i) stacks.push_back(pool.allocate());
  for (Stack s : stacks)
    for (std::byte* p = s.lo; p < s.hi; p += 4096) *p = std::byte{1};  // all 64 pages
  const long lazy_before = proc_kib("/proc/self/smaps_rollup", "LazyFree");
  for (Stack s : stacks) pool.release(s);
  const long lazy_after = proc_kib("/proc/self/smaps_rollup", "LazyFree");
  ASSERT_GE(lazy_before, 0);
  // All but the hot top (kKeepHot + up to kBatch slots) are trimmed to 16 KiB.
  const long trimmed_slots = kStacks - 128;
  EXPECT_GE(lazy_after - lazy_before, trimmed_slots * (256 - 16) * 9 / 10)
      << "LazyFree KiB before " << lazy_before << ", after " << lazy_after;
  // The hot end is untouched and comes back first.
  Stack again = pool.allocate();
  EXPECT_EQ(again.lo, stacks.back().lo);
  EXPECT_EQ(*again.lo, std::byte{1});
}

// A pool that held 20,000 stacks and got them all back keeps only a warm
// reserve's memory.
TEST(StackPool, EmptiesSlotsWhenHoldingFarMoreThanLive) {
  StackPool pool;
  constexpr int kStacks = 20000;
  const long before = rss_kib();
  std::vector<Stack> stacks;
  for (int i = 0; i < kStacks; ++i) stacks.push_back(pool.allocate());
  for (Stack s : stacks) {
    s.hi[-1] = std::byte{1};
    s.hi[-4096 - 1] = std::byte{1};  // two top pages, kept by trimming
  }
  const long full = rss_kib();
  for (Stack s : stacks) pool.release(s);
  const long after = rss_kib();
  if (kUnderSanitizer) GTEST_SKIP() << "RSS under a sanitizer includes its shadow (and ASan's quarantine)";
  EXPECT_GT(full - before, kStacks * 8 * 9 / 10);
  // 1024 warm + a batch or two, each holding 8 KiB.
  EXPECT_LT(after - before, 1300 * 8 + 2048) << "before " << before << " full " << full << " after " << after;
}

}  // namespace
}  // namespace goro::stack
