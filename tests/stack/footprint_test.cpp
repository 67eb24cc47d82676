// What 100,000 stacks cost: resident memory per stack and mappings (VMAs).
#include "arch/context.hpp"
#include "runtime/stack/guard.hpp"
#include "runtime/stack/stack.hpp"
#include "tests/stack/support.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace goro::stack {
namespace {

using namespace testing_support;

constexpr int kStacks = 100000;

// Each stack gets a context made on it, which touches its top page, as a new
// goroutine would: the cost must stay one page plus bookkeeping.
TEST(Footprint, HundredThousandStacksCostAPageEach) {
  std::vector<Stack> stacks;
  stacks.reserve(kStacks);
  const long rss_before = rss_kib();
  const std::size_t maps_before = mapping_count();
  {
    StackPool pool;
    for (int i = 0; i < kStacks; ++i) {
      stacks.push_back(pool.allocate());
      arch::make_context(stacks.back().hi, stacks.back().size(), [](void*) {}, nullptr);
    }
    const long rss_after = rss_kib();
    const std::size_t maps_after = mapping_count();
    const double kib_per_stack = double(rss_after - rss_before) / kStacks;
    std::printf("[ measured ] guard %s: %.3f KiB RSS per stack, %zu -> %zu mappings, %zu GiB reserved\n",
                guard_kind_name(pool.guard_kind()), kib_per_stack, maps_before, maps_after,
                pool.reserved_bytes() >> 30);
    if (!kUnderSanitizer) {
      EXPECT_LT(kib_per_stack, 4.5);
    }
    if (pool.guard_kind() == GuardKind::madvise && !kUnderSanitizer) {
      // A handful of reservations, not one mapping (or two) per stack.
      EXPECT_LT(maps_after - maps_before, 30u);
    }
    for (Stack s : stacks) pool.release(s);
  }
  // The pool's destructor unmapped everything it reserved.
  if (!kUnderSanitizer) {
    EXPECT_LE(mapping_count(), maps_before + 2);
  }
}

// With transparent huge pages set to "always", a first touch would commit a
// 2 MiB extent (eight slots) at once; every reservation must carry the
// kernel's "nh" (no huge pages) flag. (This machine's THP mode may be
// "madvise", where RSS alone would not show the difference.)
TEST(Footprint, ReservationsRefuseHugePages) {
  StackPool pool;
  Stack s = pool.allocate();
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false, found = false;
  const auto at = reinterpret_cast<std::uintptr_t>(s.lo);
  while (std::getline(smaps, line)) {
    unsigned long from, to;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &from, &to) == 2 && line.find('-') < line.find(' ')) {
      inside = from <= at && at < to;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      found = true;
      EXPECT_NE((line + " ").find(" nh "), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(found);
  pool.release(s);
}

// mprotect guards cost VMAs, so a pool stops adding them at half of
// vm.max_map_count and hands out canary slots from then on.
TEST(Footprint, MprotectGuardsStopAtHalfTheMapLimit) {
  const std::size_t limit = detail::vma_budget_limit();
  StackPool pool(16 * 1024, GuardKind::mprotect);
  std::vector<Stack> stacks;
  std::size_t guarded = 0;
  for (int i = 0; i < kStacks && stacks.size() < 3 * limit; ++i) {
    stacks.push_back(pool.allocate());
    guarded += stacks.back().guard == GuardKind::mprotect;
  }
  const std::size_t maps = mapping_count();
  std::printf("[ measured ] mprotect: %zu guarded stacks, %zu mappings (budget %zu)\n", guarded, maps, limit);
  EXPECT_EQ(pool.guard_kind(), GuardKind::canary);
  // The budget is recounted only when spent, so mappings others add in the
  // meantime (the allocator's, another pool's) may overshoot it a little.
  EXPECT_LE(maps, limit + 64);
  EXPECT_GT(guarded, limit / 2 - 2000);  // about one guard per two VMAs of budget
  EXPECT_EQ(stacks.back().guard, GuardKind::canary);
  EXPECT_FALSE(readable(stacks.front().lo - 1));
  EXPECT_TRUE(pool.canary_intact(stacks.back()));
  for (Stack s : stacks) pool.release(s);
}

}  // namespace
}  // namespace goro::stack
