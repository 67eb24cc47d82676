// sched::GlobalQueue (runtime/sched/runq.hpp), the global run queue: a FIFO
// of G pointers in a ring that grows. Order must survive growth while the
// ring has wrapped, batch pops and list pushes; the lock-free size hint must
// follow every change. (Callers hold Sched::lock; a single thread here.)
#include "runtime/sched/runq.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace {

using goro::sched::G;
using goro::sched::GList;
using goro::sched::GlobalQueue;

TEST(GlobalQueue, StaysFifoThroughWrapAndGrowth) {
  constexpr int kGs = 10'000;  // several doublings past the first ring
  auto gs = std::make_unique<G[]>(kGs);
  GlobalQueue q;
  EXPECT_FALSE(q.maybe_nonempty());
  EXPECT_EQ(q.pop_locked(), nullptr);
  // Push and pop in uneven steps so the head wraps before each growth.
  int pushed = 0, popped = 0;
  while (popped < kGs) {
    for (int i = 0; i < 700 && pushed < kGs; ++i) q.push_locked(&gs[pushed++]);
    EXPECT_EQ(q.size_locked(), pushed - popped);
    EXPECT_TRUE(q.maybe_nonempty());
    for (int i = 0; i < 300 && popped < pushed; ++i) ASSERT_EQ(q.pop_locked(), &gs[popped++]) << "at " << popped;
    if (pushed == kGs) {
      while (popped < pushed) ASSERT_EQ(q.pop_locked(), &gs[popped++]) << "at " << popped;
    }
  }
  EXPECT_EQ(q.size_locked(), 0);
  EXPECT_FALSE(q.maybe_nonempty());
}

TEST(GlobalQueue, BatchPopsAndListPushesKeepOrder) {
  constexpr int kGs = 5'000;
  auto gs = std::make_unique<G[]>(kGs);
  GlobalQueue q;
  int pushed = 0;
  std::vector<G*> out;
  G* batch[128];
  while (pushed < kGs || q.size_locked() > 0) {
    if (pushed < kGs) {
      // A P's overflow: a list of 129 Gs in one push.
      GList list;
      for (int i = 0; i < 129 && pushed < kGs; ++i) list.push_back(&gs[pushed++]);
      std::int64_t n = list.size;
      std::int64_t before = q.size_locked();
      q.push_all_locked(list);
      EXPECT_TRUE(list.empty());
      EXPECT_EQ(q.size_locked(), before + n);
    }
    std::int64_t want = std::min<std::int64_t>(q.size_locked(), 100);
    std::int64_t got = q.pop_locked(batch, 100);
    ASSERT_EQ(got, want);
    out.insert(out.end(), batch, batch + got);
  }
  ASSERT_EQ(out.size(), std::size_t{kGs});
  for (int i = 0; i < kGs; ++i) ASSERT_EQ(out[std::size_t(i)], &gs[i]) << "at " << i;
  EXPECT_EQ(q.pop_locked(batch, 10), 0);
  EXPECT_FALSE(q.maybe_nonempty());
}

}  // namespace
