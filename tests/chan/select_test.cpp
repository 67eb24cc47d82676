// select (include/goro/select.hpp), each test with procs = 1, 2 and 8.
// Behaviours ported from Go's runtime/chan_test.go (TestSelfSelect,
// TestSelectFairness, TestNonblockRecvRace, ...) and test/chan/select*.go.
#include "tests/chan/support.hpp"
#include "tests/sched/support.hpp"

#include <goro/goro.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace goro::test {
namespace {

using namespace std::chrono_literals;

class Select : public Procs {};


TEST_P(Select, HandlerForms) {
  run_procs(GetParam(), [] {
    auto a = make_chan<int>(4);
    a.send(1);
    a.send(2);
    a.send(3);
    int got = 0;
    EXPECT_EQ(goro::select(goro::recv(a, [&](int v) { got = v; })), 0u);
    EXPECT_EQ(got, 1);
    std::optional<int> opt;
    EXPECT_EQ(goro::select(goro::recv(a, [&](std::optional<int> v) { opt = v; })), 0u);
    EXPECT_EQ(opt, 2);
    bool ran = false;
    EXPECT_EQ(goro::select(goro::recv(a, [&] { ran = true; })), 0u);
    EXPECT_TRUE(ran);
    EXPECT_EQ(a.size(), 0u);
    EXPECT_EQ(goro::select(goro::send(a, 9)), 0u);
    EXPECT_EQ(goro::select(goro::recv(a)), 0u);
    bool sent = false;
    EXPECT_EQ(goro::select(goro::send(a, 10, [&] { sent = true; })), 0u);
    EXPECT_TRUE(sent);
    EXPECT_EQ(a.recv(), 10);
    // Closed: void(T) gets T{}, optional gets nullopt.
    a.close();
    got = -1;
    goro::select(goro::recv(a, [&](int v) { got = v; }));
    EXPECT_EQ(got, 0);
    opt = 5;
    goro::select(goro::recv(a, [&](std::optional<int> v) { opt = v; }));
    EXPECT_EQ(opt, std::nullopt);
  });
}

TEST_P(Select, DefaultRunsWhenNothingIsReady) {
  run_procs(GetParam(), [] {
    auto a = make_chan<int>();
    auto b = make_chan<int>();
    bool dflt = false;
    std::size_t i = goro::select(goro::recv(a), goro::default_([&] { dflt = true; }), goro::send(b, 1));
    EXPECT_EQ(i, 1u);
    EXPECT_TRUE(dflt);
    // Ready beats default.
    auto c = make_chan<int>(1);
    i = goro::select(goro::default_([] {}), goro::send(c, 3));
    EXPECT_EQ(i, 1u);
    EXPECT_EQ(c.recv(), 3);
    // Only a default.
    EXPECT_EQ(goro::select(goro::default_([] {})), 0u);
  });
}

TEST_P(Select, NilChannelIsNeverChosen) {
  run_procs(GetParam(), [] {
    goro::Chan<int> nil;
    auto ready = make_chan<int>(1000);
    for (int k = 0; k < 1000; ++k) {
      ready.send(k);
      std::size_t i = goro::select(goro::recv(nil), goro::send(nil, 1), goro::recv(ready));
      ASSERT_EQ(i, 2u);
      i = goro::select(goro::recv(nil), goro::send(nil, 1), goro::default_([] {}));
      ASSERT_EQ(i, 2u);
    }
  });
}

// Go's TestSelectFairness, shape kept simple: three ready channels, 30,000
// selects; each must be chosen a third of the time within +-10%.
TEST_P(Select, Fairness) {
  run_procs(GetParam(), [] {
    constexpr int trials = 30000;
    auto a = make_chan<int>(1), b = make_chan<int>(1), c = make_chan<int>(1);
    std::array<int, 3> counts{};
    for (int t = 0; t < trials; ++t) {
      if (a.size() == 0) a.send(0);
      if (b.size() == 0) b.send(1);
      if (c.size() == 0) c.send(2);
      counts[goro::select(goro::recv(a), goro::recv(b), goro::recv(c))]++;
    }
    for (int n : counts) {
      EXPECT_GT(n, trials / 3 * 9 / 10);
      EXPECT_LT(n, trials / 3 * 11 / 10);
    }
  });
}

// A blocked select over two channels with a sender on each: exactly one case
// runs; the other sender stays blocked until received from.
TEST_P(Select, BlockedSelectRunsExactlyOneCase) {
  run_procs(GetParam(), [] {
    for (int iter = 0; iter < 300; ++iter) {
      auto a = make_chan<int>(), b = make_chan<int>();
      auto result = make_chan<int>(1);
      goro::go([a, b, result] {
        int ran = 0, which = -1;
        goro::select(goro::recv(a, [&](int) { ran++; which = 0; }), goro::recv(b, [&](int) { ran++; which = 1; }));
        EXPECT_EQ(ran, 1);
        result.send(which);
      });
      auto done = make_chan<Unit>(2);
      goro::go([a, done] { a.send(1); done.send({}); });
      goro::go([b, done] { b.send(2); done.send({}); });
      int which = *result.recv();
      done.recv();  // the chosen sender finished
      EXPECT_EQ(done.try_recv(), std::nullopt);
      // The other is still blocked: take its value.
      if (which == 0)
        EXPECT_EQ(b.recv(), 2);
      else
        EXPECT_EQ(a.recv(), 1);
      done.recv();
    }
  });
}

// Go's TestSelfSelect: selects holding both ends of one channel pair with
// each other, never with themselves.
TEST_P(Select, SelfSelectNeverPairsWithItself) {
  run_procs(GetParam(), [] {
    for (std::size_t cap : {0u, 10u}) {
      auto c = make_chan<int>(cap);
      Latch done(2);
      for (int p = 0; p < 2; ++p) {
        goro::go([c, p, cap, &done] {
          for (int i = 0; i < 1000; ++i) {
            if (p == 0 || i % 2 == 0) {
              goro::select(goro::send(c, p), goro::recv(c, [&](int v) {
                if (cap == 0) {
                  EXPECT_NE(v, p) << "self-select paired with itself";
                }
              }));
            } else {
              goro::select(goro::recv(c, [&](int v) {
                if (cap == 0) {
                  EXPECT_NE(v, p) << "self-select paired with itself";
                }
              }), goro::send(c, p));
            }
          }
          done.count_down();
        });
      }
      done.wait();
    }
  });
}

TEST_P(Select, SameChannelInTwoCases) {
  run_procs(GetParam(), [] {
    auto c = make_chan<int>();
    goro::go([c] {
      for (int i = 0; i < 100; ++i) c.send(i);
    });
    for (int i = 0; i < 100; ++i) {
      int got = -1, runs = 0;
      goro::select(goro::recv(c, [&](int v) { got = v; runs++; }), goro::recv(c, [&](int v) { got = v; runs++; }));
      ASSERT_EQ(got, i);
      ASSERT_EQ(runs, 1);
    }
  });
}

TEST_P(Select, CloseWakesABlockedSelect) {
  run_procs(GetParam(), [] {
    auto a = make_chan<int>();
    auto b = make_chan<std::string>();
    auto result = make_chan<std::size_t>(1);
    bool ok = true;
    goro::go([a, b, result, &ok] {
      result.send(goro::select(goro::recv(a), goro::recv(b, [&](std::optional<std::string> v) { ok = v.has_value(); })));
    });
    pause();
    b.close();
    EXPECT_EQ(result.recv(), 1u);
    EXPECT_FALSE(ok);
  });
}

TEST_P(Select, SendOnClosedChannelThrows) {
  run_procs(GetParam(), [] {
    auto a = make_chan<int>();
    a.close();
    EXPECT_THROW(goro::select(goro::send(a, 1), goro::default_([] {})), closed_channel_error);
    // A select blocked on a send, then closed.
    auto b = make_chan<int>();
    auto msg = make_chan<std::string>(1);
    goro::go([b, msg] {
      try {
        goro::select(goro::send(b, 1));
        msg.send("sent");
      } catch (const closed_channel_error& e) {
        msg.send(e.what());
      }
    });
    pause();
    b.close();
    EXPECT_EQ(msg.recv(), "send on closed channel");
  });
}

TEST_P(Select, ManyCasesAndMoveOnlyValues) {
  run_procs(GetParam(), [] {
    std::vector<goro::Chan<std::unique_ptr<int>>> cs;
    for (int i = 0; i < 12; ++i) cs.push_back(make_chan<std::unique_ptr<int>>());
    goro::go([cs] {
      for (int i = 0; i < 12; ++i) cs[(i * 5) % 12].send(std::make_unique<int>(i));
    });
    int sum = 0;
    for (int n = 0; n < 12; ++n) {
      auto h = [&](std::unique_ptr<int> p) { sum += *p; };
      goro::select(goro::recv(cs[0], h), goro::recv(cs[1], h), goro::recv(cs[2], h), goro::recv(cs[3], h),
                   goro::recv(cs[4], h), goro::recv(cs[5], h), goro::recv(cs[6], h), goro::recv(cs[7], h),
                   goro::recv(cs[8], h), goro::recv(cs[9], h), goro::recv(cs[10], h), goro::recv(cs[11], h));
    }
    EXPECT_EQ(sum, 66);
    auto m = make_chan<std::unique_ptr<int>>(1);
    goro::select(goro::send(m, std::make_unique<int>(3)));
    EXPECT_EQ(**m.recv(), 3);
  });
}

TEST_P(Select, HandlersMayUseChannels) {
  run_procs(GetParam(), [] {
    auto a = make_chan<int>(1);
    a.send(1);
    goro::select(goro::recv(a, [&](int v) {
      a.send(v + 1);  // would deadlock if a's lock were still held
    }));
    EXPECT_EQ(a.recv(), 2);
  });
}

TEST_P(Select, ForeignThreadSelects) {
  run_procs(GetParam(), [] {
    auto a = make_chan<int>(), b = make_chan<int>();
    auto quit = make_chan<Unit>();
    std::thread t([a, b, quit] {
      int sum = 0;
      bool running = true;
      while (running)
        goro::select(goro::recv(a, [&](int v) { sum += v; }), goro::recv(b, [&](int v) { sum += v; }),
                     goro::recv(quit, [&] { running = false; }));
      EXPECT_EQ(sum, 2 * (199 * 200 / 2));
    });
    for (int i = 0; i < 200; ++i) {
      a.send(i);
      goro::select(goro::send(b, i));
    }
    quit.close();
    goro::blocking([&] { t.join(); });
  });
}

TEST_P(Select, PingPongThroughSelects) {
  run_procs(GetParam(), [] {
    auto ping = make_chan<int>(), pong = make_chan<int>();
    goro::go([ping, pong] {
      for (;;) {
        int v = 0;
        goro::select(goro::recv(ping, [&](int x) { v = x; }));
        if (v < 0) return;
        goro::select(goro::send(pong, v + 1));
      }
    });
    for (int i = 0; i < 2000; ++i) {
      goro::select(goro::send(ping, i));
      int got = 0;
      goro::select(goro::recv(pong, [&](int x) { got = x; }));
      ASSERT_EQ(got, i + 1);
    }
    ping.send(-1);
  });
}

INSTANTIATE_TEST_SUITE_P(Select, Select, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
