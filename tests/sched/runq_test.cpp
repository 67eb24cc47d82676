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
    if (pushed < kGs && (pushed / 129) % 2 == 0) {
      // The poller's hand-off: a list in one push.
      GList list;
      for (int i = 0; i < 129 && pushed < kGs; ++i) list.push_back(&gs[pushed++]);
      std::int64_t n = list.size;
      std::int64_t before = q.size_locked();
      q.push_all_locked(list);
      EXPECT_TRUE(list.empty());
      EXPECT_EQ(q.size_locked(), before + n);
    } else if (pushed < kGs) {
      // A P's overflow: an array of 129 Gs in one push.
      G* arr[129];
      std::int64_t n = 0;
      for (; n < 129 && pushed < kGs; ++n) arr[n] = &gs[pushed++];
      std::int64_t before = q.size_locked();
      q.push_all_locked(arr, n);
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

// A full ring gives up its older half, oldest first, plus the G that did
// not fit; what stays is the newer half, still in order.
TEST(RunQueue, OverflowTakesTheOlderHalf) {
  constexpr int kSize = goro::sched::RunQueue::kSize;
  auto gs = std::make_unique<G[]>(kSize + 1);
  auto q = std::make_unique<goro::sched::RunQueue>();
  G* out[kSize / 2 + 1];
  for (int i = 0; i < kSize; ++i) ASSERT_TRUE(q->push(&gs[i]));
  EXPECT_FALSE(q->push(&gs[kSize]));
  ASSERT_TRUE(q->take_half_for_overflow(&gs[kSize], out));
  for (int i = 0; i < kSize / 2; ++i) EXPECT_EQ(out[i], &gs[i]) << i;
  EXPECT_EQ(out[kSize / 2], &gs[kSize]);
  EXPECT_EQ(q->size(), std::uint32_t{kSize / 2});
  for (int i = kSize / 2; i < kSize; ++i) ASSERT_EQ(q->pop(false), &gs[i]);
  EXPECT_EQ(q->pop(false), nullptr);
  // Not full: nothing to take.
  ASSERT_TRUE(q->push(&gs[0]));
  EXPECT_FALSE(q->take_half_for_overflow(&gs[1], out));
}

}  // namespace
