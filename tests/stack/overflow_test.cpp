// Overflow reporting: a deep but legal recursion is fine; one past the limit
// hits the guard and dies with Go's message and exit status 2; any other
// SIGSEGV keeps its old behaviour.
#include "tests/support/death.hpp"
#include "runtime/stack/stack.hpp"
#include "tests/stack/support.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <thread>

namespace goro::stack {
namespace {

using namespace testing_support;

std::atomic<std::uint64_t> g_running_id{0};
std::uint64_t running_id() { return g_running_id.load(std::memory_order_relaxed); }

void arm(std::uint64_t id) {
  install_overflow_handler();
  ensure_signal_stack();
  g_running_id = id;
  set_goroutine_id_source(&running_id);
}

// How an ordinary segfault ends: killed by SIGSEGV, or under a sanitizer,
// whose handler we chain to, its report and exit status (support.hpp).
const auto kOrdinaryCrash = [] {
  if constexpr (kUnderSanitizer) return [](int status) { return ::testing::ExitedWithCode(kSanitizerExitCode)(status); };
  else return [](int status) { return ::testing::KilledBySignal(SIGSEGV)(status); };
}();
const char* const kOrdinaryCrashMessage = kSanitizerSegv;

class Overflow : public ::testing::TestWithParam<GuardKind> {};

TEST_P(Overflow, RecursingToNearTheLimitSucceeds) {
  arm(1);
  StackPool pool(256 * 1024, GetParam());
  Stack s = pool.allocate();
  // Down to 240 KiB of 256 KiB used.
  const std::size_t frames = descend_on(s, s.hi - 240 * 1024);
  EXPECT_GT(frames, 240u * 1024 / 1024);  // frames are about 512 bytes: ~480 of them
  EXPECT_TRUE(pool.canary_intact(s));
  pool.release(s);
}

TEST_P(Overflow, OverflowDiesWithTheGoMessage) {
  if (GetParam() == GuardKind::canary) GTEST_SKIP() << "canary mode has no guard to fault on";
  goro::test::use_death_test_style();
  EXPECT_EXIT(
      {
        arm(4711);
        StackPool pool(256 * 1024, GetParam());
        pool.allocate();  // a neighbour below, so the overflow cannot run into unmapped space
        Stack s = pool.allocate();
        descend_on(s, nullptr);
        std::_Exit(0);  // not reached
      },
      ::testing::ExitedWithCode(2),
      "^runtime: goroutine 4711 stack exceeds 262144-byte limit\n"
      "fatal error: stack overflow \\(goroutine 4711, limit 256 KiB\\)\n$");
}

INSTANTIATE_TEST_SUITE_P(Stack, Overflow,
                         ::testing::Values(GuardKind::madvise, GuardKind::mprotect, GuardKind::canary),
                         [](const auto& info) { return std::string(guard_kind_name(info.param)); });

// The limit and the id in the message are the faulting pool's and the
// registered source's; with no source the id is 0. Runs on a second thread,
// which needs its own alternate stack.
TEST(OverflowDeathTest, ReportsThePoolsLimitFromAnyThread) {
  goro::test::use_death_test_style();
  EXPECT_EXIT(
      {
        install_overflow_handler();
        StackPool other(256 * 1024);
        Stack keep = other.allocate();
        StackPool pool(64 * 1024);
        std::thread([&] {
          ensure_signal_stack();
          ensure_signal_stack();  // idempotent
          Stack s = pool.allocate();
          descend_on(s, nullptr);
        }).join();
        other.release(keep);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(2),
      "^runtime: goroutine 0 stack exceeds 65536-byte limit\n"
      "fatal error: stack overflow \\(goroutine 0, limit 64 KiB\\)\n$");
}

TEST(OverflowDeathTest, OtherSegfaultsStillCrash) {
  goro::test::use_death_test_style();
  EXPECT_EXIT(
      {
        arm(7);
        StackPool pool;
        Stack s = pool.allocate();
        (void)s;
        volatile int* volatile null = nullptr;
        *null = 1;
        std::_Exit(0);
      },
      kOrdinaryCrash, kOrdinaryCrashMessage);
}

// A freed pool's former guard pages are no longer recognised: a fault there
// is an ordinary crash, not a bogus overflow report.
TEST(OverflowDeathTest, FaultsInADestroyedPoolAreOrdinary) {
  goro::test::use_death_test_style();
  EXPECT_EXIT(
      {
        arm(7);
        std::byte* old_guard;
        {
          StackPool pool;
          old_guard = pool.allocate().lo - 1;
        }
        *reinterpret_cast<volatile std::byte*>(old_guard) = std::byte{1};
        std::_Exit(0);
      },
      kOrdinaryCrash, kOrdinaryCrashMessage);
}

// A handler installed before ours still gets every fault that is not an
// overflow.
TEST(OverflowDeathTest, ChainsToThePreviousHandler) {
  goro::test::use_death_test_style();
  EXPECT_EXIT(
      {
        struct sigaction sa {};
        sa.sa_sigaction = [](int, siginfo_t* info, void*) {
          _exit(info->si_addr == nullptr ? 42 : 43);
        };
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigaction(SIGSEGV, &sa, nullptr);
        arm(7);
        volatile int* volatile null = nullptr;
        *null = 1;
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(42), "");
}

}  // namespace
}  // namespace goro::stack
