// Context trees: cancel, deadlines, propagation to children (Go's context).
#include "tests/sched/support.hpp"

#include <goro/goro.hpp>

#include <chrono>

namespace goro::test {
namespace {

using namespace std::chrono_literals;

template <class E>
bool holds(std::exception_ptr p) {
  if (!p) return false;
  try {
    std::rethrow_exception(p);
  } catch (const E&) {
    return true;
  } catch (...) {
    return false;
  }
}

class Contexts : public Procs {};

TEST_P(Contexts, BackgroundIsNeverDone) {
  goro::run([] {
    auto bg = goro::Context::background();
    EXPECT_FALSE(bool(bg.done()));  // a nil channel
    EXPECT_EQ(bg.err(), nullptr);
    EXPECT_FALSE(bg.deadline().has_value());
  }, {.procs = GetParam()});
}

TEST_P(Contexts, CancelClosesDoneAndSetsErr) {
  goro::run([] {
    auto [ctx, cancel] = goro::with_cancel(goro::Context::background());
    EXPECT_EQ(ctx.err(), nullptr);
    EXPECT_FALSE(ctx.done().try_recv().has_value());
    Event seen;
    goro::go([&, c = ctx] {
      c.done().recv();
      seen.notify();
    });
    cancel();
    seen.wait();
    EXPECT_TRUE(holds<goro::cancelled_error>(ctx.err()));
    cancel();  // twice is fine
    EXPECT_TRUE(holds<goro::cancelled_error>(ctx.err()));
  }, {.procs = GetParam()});
}

TEST_P(Contexts, CancellingAParentCancelsTheTree) {
  goro::run([] {
    auto [root, cancel_root] = goro::with_cancel(goro::Context::background());
    auto [a, cancel_a] = goro::with_cancel(root);
    auto [b, cancel_b] = goro::with_timeout(a, 1h);
    auto [c, cancel_c] = goro::with_cancel(root);
    cancel_c();  // a child cancelled first keeps its own error
    cancel_root();
    for (auto* ctx : {&root, &a, &b, &c}) {
      EXPECT_FALSE(ctx->done().recv().has_value());  // closed
      EXPECT_TRUE(holds<goro::cancelled_error>(ctx->err()));
    }
    cancel_a();
    cancel_b();
    // A child made from a cancelled parent is born cancelled.
    auto [d, cancel_d] = goro::with_cancel(root);
    EXPECT_TRUE(holds<goro::cancelled_error>(d.err()));
    cancel_d();
  }, {.procs = GetParam()});
}

TEST_P(Contexts, DeadlineExpires) {
  goro::run([] {
    auto start = Clock::now();
    auto [ctx, cancel] = goro::with_timeout(goro::Context::background(), 20ms);
    ASSERT_TRUE(ctx.deadline().has_value());
    ctx.done().recv();
    EXPECT_GE(Clock::now() - start, 20ms);
    EXPECT_TRUE(holds<goro::deadline_exceeded_error>(ctx.err()));
    cancel();
    EXPECT_TRUE(holds<goro::deadline_exceeded_error>(ctx.err()));  // first error wins
  }, {.procs = GetParam()});
}

TEST_P(Contexts, ChildrenInheritTheEarlierDeadline) {
  goro::run([] {
    auto [parent, cancel_parent] = goro::with_timeout(goro::Context::background(), 20ms);
    auto [child, cancel_child] = goro::with_timeout(parent, 1h);
    EXPECT_EQ(child.deadline(), parent.deadline());
    child.done().recv();
    EXPECT_TRUE(holds<goro::deadline_exceeded_error>(child.err()));
    auto [past, cancel_past] = goro::with_deadline(goro::Context::background(), Clock::now() - 1s);
    EXPECT_TRUE(holds<goro::deadline_exceeded_error>(past.err()));
    cancel_child();
    cancel_parent();
    cancel_past();
  }, {.procs = GetParam()});
}

// Contexts dropped before their deadline stop their timers (nothing fires
// into freed memory; run under ASan/TSan to see it).
TEST_P(Contexts, DroppedContextsStopTheirTimers) {
  goro::run([] {
    for (int i = 0; i < 1000; ++i) {
      auto [ctx, cancel] = goro::with_timeout(goro::Context::background(), std::chrono::microseconds(i % 50));
      if (i % 2) cancel();
    }
    goro::sleep(20ms);
  }, {.procs = GetParam()});
}

INSTANTIATE_TEST_SUITE_P(Context, Contexts, ::testing::Values(1, 2, 8), procs_name);

}  // namespace
}  // namespace goro::test
