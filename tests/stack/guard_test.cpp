// Guards of all three kinds: where they sit, that they survive the pool's
// own MADV_FREE/MADV_DONTNEED, the fallbacks between kinds, and canaries.
#include "tests/support/death.hpp"
#include "runtime/stack/guard.hpp"
#include "runtime/stack/stack.hpp"
#include "tests/stack/support.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdlib>
#include <vector>

namespace goro::stack {
namespace {

using namespace testing_support;

class GuardKinds : public ::testing::TestWithParam<GuardKind> {};

// Under every guarded stack the page below lo is inaccessible; the stack
// itself is all usable.
TEST_P(GuardKinds, EverySlotHasItsGuard) {
  StackPool pool(64 * 1024, GetParam());
  EXPECT_EQ(pool.guard_kind(), GetParam());
  std::vector<Stack> stacks;
  for (int i = 0; i < 2100; ++i) stacks.push_back(pool.allocate());  // spans 2 reservations
  for (const Stack& s : stacks) {
    EXPECT_EQ(s.guard, GetParam());
    ASSERT_TRUE(readable(s.lo));
    ASSERT_TRUE(readable(s.hi - 1));
    ASSERT_EQ(readable(s.lo - 1), GetParam() == GuardKind::canary) << guard_kind_name(GetParam());
    ASSERT_EQ(readable(s.lo - 4096), GetParam() == GuardKind::canary);
  }
  for (const Stack& s : stacks) pool.release(s);
}

INSTANTIATE_TEST_SUITE_P(Stack, GuardKinds,
                         ::testing::Values(GuardKind::madvise, GuardKind::mprotect, GuardKind::canary),
                         [](const auto& info) { return std::string(guard_kind_name(info.param)); });

// The pool's lazy release must not strip guards: MADV_GUARD_INSTALL markers
// and PROT_NONE pages both outlive MADV_FREE and MADV_DONTNEED, even over a
// range that includes the guard itself.
TEST_P(GuardKinds, GuardsSurviveMadviseFreeAndDontneed) {
  if (GetParam() == GuardKind::canary) GTEST_SKIP() << "no guard page to keep";
  StackPool pool(64 * 1024, GetParam());
  Stack s = pool.allocate();
  const std::size_t page = std::size_t(sysconf(_SC_PAGESIZE));
  for (std::byte* p = s.lo; p < s.hi; p += page) *p = std::byte{1};
  EXPECT_EQ(madvise(s.lo, s.size(), MADV_FREE), 0) << std::strerror(errno);
  EXPECT_EQ(madvise(s.lo - page, s.size() + page, MADV_DONTNEED), 0) << std::strerror(errno);
  EXPECT_FALSE(readable(s.lo - 1));
  EXPECT_FALSE(readable(s.lo - page));
  EXPECT_TRUE(readable(s.lo));
  // And a stack released, trimmed in a batch, and reused still has its guard.
  std::vector<Stack> more;
  for (int i = 0; i < 300; ++i) more.push_back(pool.allocate());
  for (Stack m : more) *m.lo = std::byte{1};
  for (Stack m : more) pool.release(m);
  for (Stack m : more) ASSERT_FALSE(readable(m.lo - 1));
  pool.release(s);
}

TEST(Canary, DetectsAClobberedCanary) {
  StackPool pool(64 * 1024, GuardKind::canary);
  Stack s = pool.allocate();
  EXPECT_EQ(s.guard, GuardKind::canary);
  EXPECT_TRUE(pool.canary_intact(s));
  s.lo[3] ^= std::byte{0x5a};  // flip bits: a stored constant may equal the canary's byte
  EXPECT_FALSE(pool.canary_intact(s));
  pool.release(s);
  Stack again = pool.allocate();
  ASSERT_EQ(again.lo, s.lo);
  EXPECT_TRUE(pool.canary_intact(again)) << "a reused slot gets a fresh canary";
  pool.release(again);
}

// A goroutine that runs past lo in canary mode lands in the (unguarded) guard
// page, clobbering the canary on the way: the next switch check catches it.
TEST(Canary, DetectsARealOverflow) {
  StackPool pool(64 * 1024, GuardKind::canary);
  Stack below = pool.allocate();
  Stack s = pool.allocate();
  descend_on(s, s.lo + 1024);
  EXPECT_TRUE(pool.canary_intact(s)) << "1 KiB short of the limit is fine";
  descend_on(s, s.lo - 2048);  // 2 KiB into the guard page, short of `below`
  EXPECT_FALSE(pool.canary_intact(s));
  EXPECT_TRUE(pool.canary_intact(below));
  pool.release(s);
  pool.release(below);
}

TEST(Canary, OtherKindsAreAlwaysIntact) {
  StackPool pool(64 * 1024, GuardKind::madvise);
  Stack s = pool.allocate();
  s.lo[0] = std::byte{0};
  EXPECT_TRUE(pool.canary_intact(s));
  pool.release(s);
}

// The fallbacks, each in a fresh process: its notice prints once per process.
TEST(GuardFallbackDeathTest, MadviseUnsupportedFallsBackToMprotect) {
  goro::test::use_death_test_style();
  EXPECT_EXIT(
      {
        detail::pretend_guard_install_unsupported(true);
        StackPool pool;
        Stack a = pool.allocate();
        Stack b = pool.allocate();
        bool ok = pool.guard_kind() == GuardKind::mprotect && a.guard == GuardKind::mprotect &&
                  b.guard == GuardKind::mprotect && !readable(a.lo - 1) && !readable(b.lo - 1);
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0),
      "^goro: madvise\\(MADV_GUARD_INSTALL\\) unavailable; stack guards use mprotect \\(2 VMAs per stack\\)\n$");
}

TEST(GuardFallbackDeathTest, MprotectOutOfVmasFallsBackToCanary) {
  goro::test::use_death_test_style();
  EXPECT_EXIT(
      {
        detail::override_vma_budget_limit(detail::count_vmas() + 20);
        StackPool pool(64 * 1024, GuardKind::mprotect);
        std::vector<Stack> stacks;
        for (int i = 0; i < 40; ++i) stacks.push_back(pool.allocate());
        int guarded = 0;
        for (Stack s : stacks) guarded += s.guard == GuardKind::mprotect;
        bool ok = pool.guard_kind() == GuardKind::canary && guarded >= 5 && guarded <= 10 &&
                  stacks.back().guard == GuardKind::canary && pool.canary_intact(stacks.back());
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0),
      "^goro: VMA count near half of vm.max_map_count; new stacks get canary words instead of guard pages\n$");
}

}  // namespace
}  // namespace goro::stack
