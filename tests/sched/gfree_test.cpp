// The free-G cache and pool (runtime/sched/gfree.hpp): the cache is LIFO,
// spilling moves its oldest half to the pool, refilling takes a batch back,
// and no G is lost or handed out twice on the way, including with threads
// spilling and refilling the pool at once (each with a cache of its own, as
// Ps have).
#include "runtime/sched/gfree.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace {

using goro::sched::G;
using goro::sched::GCache;
using goro::sched::GPool;

TEST(GFree, CacheIsLifoAndSpillsItsOldestHalf) {
  auto gs = std::make_unique<G[]>(GCache::kSize + 1);
  GCache c;
  GPool pool;
  EXPECT_EQ(c.pop(), nullptr);
  EXPECT_FALSE(pool.refill(c));
  for (int i = 0; i < GCache::kSize; ++i) c.push(&gs[i]);
  ASSERT_TRUE(c.full());
  pool.spill(c);
  EXPECT_EQ(c.n, GCache::kSize - GCache::kBatch);
  EXPECT_EQ(pool.size(), GCache::kBatch);
  c.push(&gs[GCache::kSize]);
  EXPECT_EQ(c.pop(), &gs[GCache::kSize]);  // the last freed comes back first
  // The newest half stayed, newest on top.
  for (int i = GCache::kSize - 1; i >= GCache::kBatch; --i) ASSERT_EQ(c.pop(), &gs[i]);
  EXPECT_EQ(c.pop(), nullptr);
  // The oldest half is in the pool.
  ASSERT_TRUE(pool.refill(c));
  EXPECT_EQ(c.n, GCache::kBatch);
  EXPECT_EQ(pool.size(), 0);
  std::set<G*> back;
  while (G* g = c.pop()) back.insert(g);
  EXPECT_EQ(back.size(), std::size_t{GCache::kBatch});
  for (int i = 0; i < GCache::kBatch; ++i) EXPECT_EQ(back.count(&gs[i]), 1u) << i;
  // Single Gs, from threads without a P.
  pool.put(&gs[0]);
  EXPECT_EQ(pool.get(), &gs[0]);
  EXPECT_EQ(pool.get(), nullptr);
}

TEST(GFree, ThreadsSpillingAndRefillingLoseNothing) {
  constexpr int kThreads = 4, kPerThread = 4096, kRounds = 200;
  auto gs = std::make_unique<G[]>(kThreads * kPerThread);
  GPool pool;
  std::vector<GCache> caches(kThreads);
  std::vector<std::vector<G*>> held(kThreads);
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      GCache& c = caches[std::size_t(t)];
      std::vector<G*>& mine = held[std::size_t(t)];
      for (int i = 0; i < kPerThread; ++i) mine.push_back(&gs[t * kPerThread + i]);
      for (int r = 0; r < kRounds; ++r) {
        // Free everything held (spilling as Ps do), then take back a
        // varying number, refilling from the pool when the cache runs dry.
        for (G* g : mine) {
          if (c.full()) pool.spill(c);
          c.push(g);
        }
        mine.clear();
        const int want = (r * 7919 + t * 104729) % kPerThread;
        while (int(mine.size()) < want) {
          G* g = c.pop();
          if (!g && pool.refill(c)) g = c.pop();
          if (!g) break;  // others hold the rest now
          mine.push_back(g);
        }
      }
    });
  for (auto& t : ts) t.join();
  std::multiset<G*> all;
  for (auto& mine : held) all.insert(mine.begin(), mine.end());
  for (auto& c : caches)
    while (G* g = c.pop()) all.insert(g);
  GCache drain;
  while (pool.refill(drain))
    while (G* g = drain.pop()) all.insert(g);
  ASSERT_EQ(all.size(), std::size_t{kThreads * kPerThread});
  for (int i = 0; i < kThreads * kPerThread; ++i) ASSERT_EQ(all.count(&gs[i]), 1u) << "G " << i;
}

}  // namespace
