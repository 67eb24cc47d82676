// StackPool::committed_bytes() (Stats::stack_committed): it counts the pages
// stacks touched, keeps counting released ones until the pool gives them
// back, and stops counting them once it has (MADV_FREE's lazily freed pages
// included); exact up to 128 stacks holding memory, sampled beyond.
#include "runtime/stack/stack.hpp"
#include "tests/stack/support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <vector>

namespace goro::stack {
namespace {

using namespace testing_support;

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kDepth = 128 * kKiB;  // each stack is touched this deep

// Touches the top kDepth bytes of every stack.
void touch(const std::vector<Stack>& stacks) {
  for (const Stack& s : stacks) descend_on(s, s.hi - kDepth);
}

TEST(Committed, CountsThePagesLiveStacksTouched) {
  StackPool pool;
  std::vector<Stack> stacks;
  for (int i = 0; i < 64; ++i) stacks.push_back(pool.allocate());
  const std::size_t before = pool.committed_bytes();
  touch(stacks);
  const std::size_t after = pool.committed_bytes();
  // Every touched page, give or take the frames' slack above kDepth.
  EXPECT_GE(after, before + stacks.size() * (kDepth - 8 * kKiB)) << before << " -> " << after;
  EXPECT_LE(after, before + stacks.size() * (kDepth + 16 * kKiB)) << before << " -> " << after;
  EXPECT_LE(after, pool.reserved_bytes());
  // Released into the hot band (fewer than a trim batch): still held.
  for (const Stack& s : stacks) pool.release(s);
  EXPECT_GE(pool.committed_bytes(), before + stacks.size() * (kDepth - 8 * kKiB));
}

TEST(Committed, DropsWhenReleasedStacksAreGivenBack) {
  // 256 released slots: the pool trims the oldest 192 down to their top
  // 16 KiB with MADV_FREE (three batches of 64, pool.cpp), which the count
  // leaves out even before the kernel reclaims them.
  StackPool pool;
  std::vector<Stack> stacks;
  for (int i = 0; i < 256; ++i) stacks.push_back(pool.allocate());
  touch(stacks);
  const std::size_t touched = pool.committed_bytes();
  for (const Stack& s : stacks) pool.release(s);
  const std::size_t released = pool.committed_bytes();
  EXPECT_LE(released + 192 * (kDepth - 24 * kKiB), touched) << touched << " -> " << released;
}

TEST(Committed, ZeroForAnEmptyPool) {
  StackPool pool;
  EXPECT_EQ(pool.committed_bytes(), 0u);
  EXPECT_EQ(pool.reserved_bytes(), 0u);
}

// Past 128 stacks it samples: with stacks all touched alike the estimate
// stays within the frames' slack. Also prints what one call costs (no
// timing verdict). 10,000 stacks of 8 KiB each.
TEST(Committed, SamplesManyStacks) {
  StackPool pool;
  std::vector<Stack> stacks;
  for (int i = 0; i < 10000; ++i) stacks.push_back(pool.allocate());
  for (const Stack& s : stacks) descend_on(s, s.hi - 8 * kKiB);
  auto t0 = std::chrono::steady_clock::now();
  std::size_t c = pool.committed_bytes();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  std::printf("committed_bytes: %zu KiB over %zu stacks in %lld us\n", c / kKiB, stacks.size(), static_cast<long long>(us));
  EXPECT_GE(c, stacks.size() * 8 * kKiB);
  EXPECT_LE(c, stacks.size() * 16 * kKiB);
  for (const Stack& s : stacks) pool.release(s);
}

}  // namespace
}  // namespace goro::stack
