// Asynchronous preemption (runtime/sched/preempt.hpp): a goroutine that never
// calls into the runtime is stopped by SIGURG once its time slice is over,
// only at safe points, and resumes with every register, the flags, the
// vector registers and its red zone intact. Options::preempt = false turns
// it off.
#include "tests/sched/preempt_available.hpp"
#include "tests/sched/support.hpp"
#include "tests/support/death.hpp"
#include "tests/support/load.hpp"

#include "runtime/sched/preempt.hpp"
#include "runtime/sched/preempt_arch.hpp"
#include "tests/sched/preempt_regs.hpp"
#include "runtime/sched/sched.hpp"

#include <goro/goro.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern "C" void test_regs_spin(std::uint64_t iters, std::uint64_t seed, std::uint64_t* out);
#if defined(__x86_64__)
extern "C" void test_zmm_spin(std::uint64_t iters, std::uint64_t seed, std::uint64_t* out);
#endif

namespace goro::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

#define SKIP_WITHOUT_PREEMPTION()                                                       \
  if (!preempt_available()) GTEST_SKIP() << "asynchronous preemption is off in this build " \
                                            "(Boost backend, TSan, ASan or no symbol table)"

// A loop with no calls at all: only SIGURG can take the CPU from it.
__attribute__((noinline)) void spin_until(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
  }
}

struct Gaps {
  std::int64_t p50_us, max_us;
  int n;
};

Gaps gaps_of(std::vector<Clock::time_point>& at) {
  std::vector<std::int64_t> g;
  for (std::size_t i = 1; i < at.size(); ++i)
    g.push_back(std::chrono::duration_cast<std::chrono::microseconds>(at[i] - at[i - 1]).count());
  std::sort(g.begin(), g.end());
  if (g.empty()) return {0, 0, 0};
  return {g[g.size() / 2], g.back(), static_cast<int>(g.size())};
}

// procs = 1: a spinner never yields; a 1 ms sleep loop keeps ticking because
// the spinner is preempted every time slice (Go 1.19 here: p50 20 ms, max 41 ms).
TEST(Preempt, SpinnerDoesNotStopASleepLoop) {
  SKIP_WITHOUT_PREEMPTION();
  goro::run([] {
    std::atomic<bool> stop{false};
    std::vector<Clock::time_point> ticks;
    ticks.reserve(1000);
    Latch done(2);
    goro::go([&] {
      spin_until(stop);
      done.count_down();
    });
    goro::go([&] {
      auto end = Clock::now() + 1s;
      while (Clock::now() < end) {
        goro::sleep(1ms);
        ticks.push_back(Clock::now());
      }
      stop = true;
      done.count_down();
    });
    done.wait();
    Gaps g = gaps_of(ticks);
    std::printf("sleep loop beside a spinner (procs 1, slice 10 ms): %d ticks in 1 s, gap p50 %lld us, max %lld us; %llu preemptions\n",
                g.n + 1, static_cast<long long>(g.p50_us), static_cast<long long>(g.max_us),
                static_cast<unsigned long long>(goro::stats().preemptions));
    EXPECT_GE(g.n, 20);
    EXPECT_LT(g.max_us, 1'000'000);
    EXPECT_GE(goro::stats().preemptions, 1u);
  }, {.procs = 1});
}

// Options::preempt = false: the spinner keeps the only P until it stops by
// itself, so the sleep loop does not tick at all meanwhile.
TEST(Preempt, OptionOffMeansNoPreemption) {
  goro::run([] {
    std::atomic<bool> spinning{false}, stop{false};
    std::atomic<int> ticks_while_spinning{0};
    Latch done(2);
    goro::go([&] {
      while (!stop.load()) {
        goro::sleep(1ms);
        if (spinning.load()) ticks_while_spinning++;
      }
      done.count_down();
    });
    goro::go([&] {
      goro::sleep(5ms);
      spinning = true;
      auto end = Clock::now() + 300ms;
      while (Clock::now() < end) {
      }
      spinning = false;
      stop = true;
      done.count_down();
    });
    done.wait();
    EXPECT_EQ(ticks_while_spinning.load(), 0);
    EXPECT_EQ(goro::stats().preemptions, 0u);
  }, {.procs = 1, .preempt = false});
}

// A goroutine locked to its thread is preempted too, and keeps its thread:
// the P goes to another M for the sleep loop meanwhile (procs = 1).
TEST(Preempt, LockedSpinnerIsPreemptedAndKeepsItsThread) {
  SKIP_WITHOUT_PREEMPTION();
  goro::run([] {
    std::atomic<bool> stop{false}, moved{false};
    std::atomic<int> ticks{0};
    Latch done(2);
    goro::go([&] {
      goro::lock_os_thread();
      long tid = syscall(SYS_gettid);
      while (!stop.load(std::memory_order_relaxed)) {
        for (int k = 0; k < 100000; ++k) __asm__ volatile("");
        if (syscall(SYS_gettid) != tid) moved = true;
      }
      goro::unlock_os_thread();
      done.count_down();
    });
    // Each tick waits for a preemption and two P hand-offs between threads:
    // under qemu, on a loaded machine, 500 ms gave as few as 9.
    const auto window = under_emulator() ? 2000ms : 500ms;
    goro::go([&] {
      auto end = Clock::now() + window;
      while (Clock::now() < end) {
        goro::sleep(1ms);
        ticks++;
      }
      stop = true;
      done.count_down();
    });
    done.wait();
    std::printf("locked spinner: %d ticks beside it in %lld ms\n", ticks.load(),
                static_cast<long long>(window.count()));
    EXPECT_FALSE(moved.load());
    EXPECT_GE(ticks.load(), 10);
  }, {.procs = 1});
}

// Shutdown waits for every M to reach a switch point: preemption brings a
// goroutine that spins forever there, and it is abandoned like any other.
TEST(Preempt, ShutdownDoesNotWaitForASpinner) {
  SKIP_WITHOUT_PREEMPTION();
  static std::atomic<bool> never{false};
  std::atomic<bool> started{false};
  auto t0 = Clock::now();
  {
    goro::Runtime rt({.procs = 1});
    rt.go([&] {
      started = true;
      spin_until(never);
    });
    while (!started) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_LT(Clock::now() - t0, 10s);
}

// Goroutines hammering malloc/free and printf (to /dev/null, one shared
// FILE) under 200 us slices: preemption never stops a thread inside libc, so
// no allocator or stdio lock is held by a preempted goroutine that another
// goroutine on the same thread then waits for. A deadlock would hang here:
// a watchdog fails the test instead.
class PreemptProcs : public Procs {};

TEST_P(PreemptProcs, MallocAndPrintfUnderPreemption) {
  SKIP_WITHOUT_PREEMPTION();
  Watchdog watchdog("MallocAndPrintfUnderPreemption: deadlock?", 60s);
  goro::run([] {
    std::FILE* null = std::fopen("/dev/null", "w");
    ASSERT_NE(null, nullptr);
    constexpr int kG = 6;
    Latch done(kG);
    std::atomic<long> ops{0};
    std::atomic<int> corrupt{0};
    std::uint64_t before = goro::stats().preemptions;
    auto end = Clock::now() + 2s;
    for (int i = 0; i < kG; ++i) {
      goro::go([&, i] {
        std::uint32_t x = 0x9e3779b9u * (i + 1);
        std::vector<char*> live;
        while (Clock::now() < end) {
          // Some user code between libc calls, where preemption may happen.
          for (int k = 0; k < 2000; ++k) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; }
          std::size_t n = 16 + x % 4000;
          char* p = static_cast<char*>(std::malloc(n));
          std::memset(p, static_cast<int>(i), n);
          live.push_back(p);
          if (live.size() > 64) {
            char* q = live.front();
            if (q[0] != static_cast<char>(i)) corrupt++;
            std::free(q);
            live.erase(live.begin());
          }
          std::fprintf(null, "goroutine %d op %u %s\n", i, x, p + n - 1 == p ? "" : "x");
          char buf[64];
          std::snprintf(buf, sizeof buf, "%d:%u", i, x);
          ops++;
        }
        for (char* q : live) std::free(q);
        done.count_down();
      });
    }
    done.wait();
    std::fclose(null);
    std::uint64_t n = goro::stats().preemptions - before;
    std::printf("malloc/printf hammer (procs %d): %ld ops, %llu preemptions\n", goro::gomaxprocs(0), ops.load(),
                static_cast<unsigned long long>(n));
    EXPECT_EQ(corrupt.load(), 0);
    EXPECT_GE(n, 10u) << "the hammering goroutines were hardly preempted";
  }, {.procs = GetParam(), .time_slice = std::chrono::microseconds(200)});
}

INSTANTIATE_TEST_SUITE_P(Sched, PreemptProcs, ::testing::Values(1, 2, 8), procs_name);

// Compares one value the register probe saw with the one it set; counts the
// wrong ones and prints the first.
struct RegCheck {
  std::uint64_t seed;
  int bad = 0;
  explicit RegCheck(std::uint64_t s) : seed(s) {}
  void operator()(const char* what, int i, std::uint64_t got, std::uint64_t want) {
    if (got == want) return;
    if (bad++ == 0)
      std::fprintf(stderr, "seed %llu: %s[%d] = %#llx, want %#llx\n", static_cast<unsigned long long>(seed), what, i,
                   static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
  }
};

#if defined(__x86_64__)
// What test_regs_spin should find (preempt_regs_x86_64.S); returns the
// number of wrong values and prints the first.
int regs_mismatches(std::uint64_t seed, const std::uint64_t* out) {
  static const char* const kNames[13] = {"rax", "rbx", "rcx", "rdx", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
  RegCheck check(seed);
  for (int j = 0; j < 13; ++j) check(kNames[j], 0, out[j], regs::kGpr[j] ^ seed);
  check("CF", 0, out[13], seed & 1);
  for (int k = 0; k < 16; ++k) check("redzone", k, out[14 + k], regs::kRedZone[k] ^ seed);
  check("MXCSR.RC", 0, (out[30] >> 13) & 3, seed & 3);
  for (int k = 0; k < 16; ++k)
    for (int l = 0; l < 4; ++l) check("ymm", k * 4 + l, out[31 + 4 * k + l], (regs::kYmm[k] ^ seed) + l);
  return check.bad;
}

int zmm_mismatches(std::uint64_t seed, const std::uint64_t* out) {
  int bad = 0;
  for (int k = 0; k < 16; ++k)
    for (int l = 0; l < 8; ++l)
      if (out[8 * k + l] != (regs::kZmm[k] ^ seed) + l && bad++ == 0)
        std::fprintf(stderr, "seed %llu: zmm%d lane %d wrong\n", static_cast<unsigned long long>(seed), 16 + k, l);
  return bad;
}

#elif defined(__aarch64__)
// What test_regs_spin should find (preempt_regs_aarch64.S); returns the
// number of wrong values and prints the first.
int regs_mismatches(std::uint64_t seed, const std::uint64_t* out) {
  RegCheck check(seed);
  check("x", 1, out[1], seed);
  for (int r = 2; r <= 30; ++r) check("x", r, out[r], regs::kA64Gpr[r] ^ seed);
  check("nzcv", 0, out[31] >> 28, (seed >> 4) & 0xf);
  check("sp", 0, out[32], out[33]);
  check("fpcr.rmode", 0, (out[34] >> 22) & 3, (seed >> 8) & 3);
  check("fpsr", 0, out[35] & 0x0800001fULL, ((seed >> 12) & 0x1f) | (((seed >> 17) & 1) << 27));
  for (int k = 0; k < 32; ++k) {
    check("v.lo", k, out[36 + 2 * k], regs::kA64V[k] ^ seed);
    check("v.hi", k, out[37 + 2 * k], (regs::kA64V[k] ^ seed) + 1);
  }
  return check.bad;
}
#endif

// procs = 1, 200 us slices: goroutines with different register contents
// spin in assembly and are preempted thousands of times between each other;
// every value the probe set must come back exactly (a lost or swapped value
// fails the test). x86-64: every general register, CF, MXCSR, ymm0-15,
// zmm16-31 and the red zone. AArch64: x1-x30, sp, NZCV, FPCR's rounding
// mode, FPSR's flags, v0-v31 (all 128 bits).
TEST(Preempt, RegistersSurviveThousandsOfPreemptions) {
  SKIP_WITHOUT_PREEMPTION();
#if defined(__x86_64__)
  if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "needs AVX2";
  const bool avx512 = __builtin_cpu_supports("avx512f");
#else
  const bool avx512 = false;
#endif
  goro::run([avx512] {
    constexpr int kG = 3;
    std::atomic<int> bad{0};
    std::atomic<long> calls{0};
    Latch done(kG);
    std::uint64_t before = goro::stats().preemptions;
    // At least 2 s and 1000 preemptions (qemu-user, on a loaded machine,
    // may need longer for them), at most 20 s.
    std::atomic<bool> stop{false};
    for (int i = 0; i < kG; ++i) {
      goro::go([&, i] {
        const std::uint64_t seed = 0x1234567 * (i + 1) + i;  // differing CF and rounding modes
        std::uint64_t out[128];
        while (!stop.load()) {
          test_regs_spin(20'000'000, seed, out);
          bad += regs_mismatches(seed, out);
#if defined(__x86_64__)
          if (avx512) {
            test_zmm_spin(20'000'000, seed, out);
            bad += zmm_mismatches(seed, out);
          }
#endif
          calls++;
        }
        done.count_down();
      });
    }
    const auto start = Clock::now();
    while (Clock::now() - start < 20s &&
           (Clock::now() - start < 2s || goro::stats().preemptions - before < 1000))
      goro::sleep(10ms);
    stop = true;
    done.wait();
    std::uint64_t n = goro::stats().preemptions - before;
    std::printf("register probes: %ld calls, %llu preemptions of %llu requests (avx512: %s), %d wrong values\n",
                calls.load(), static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(sched::current_sched()->preempt_requests.load()), avx512 ? "yes" : "no",
                bad.load());
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GE(n, 1000u) << "too few preemptions for the test to mean anything";
  }, {.procs = 1, .time_slice = std::chrono::microseconds(200)});
}

#if GORO_ASYNC_PREEMPT && defined(__aarch64__)
// The copy of an AArch64 signal frame with an extra_context record (what
// Linux and qemu write when SVE state does not fit in __reserved): the block
// past the records, which runs beyond struct rt_sigframe, is copied with the
// frame and datap points at the copy, as Linux's rt_sigreturn requires.
// qemu does not check datap (and the G's M keeps its alternate stack
// meanwhile, so the stale pointer would still read the right data there):
// only this test catches a copy that leaves datap behind.
TEST(PreemptFrame, ExtraContextIsCopiedAndItsPointerMoved) {
  constexpr std::size_t kInfo = sizeof(siginfo_t);
  constexpr std::size_t kRecords = kInfo + offsetof(ucontext_t, uc_mcontext.__reserved);
  constexpr std::size_t kExtraAt = kRecords + 528 + 32 + 16;  // after fpsimd, extra_context, terminator
  constexpr std::size_t kExtraSize = 4096;
  alignas(16) static unsigned char frame[kExtraAt + kExtraSize];
  alignas(16) static unsigned char stack[64 * 1024];
  std::memset(frame, 0, sizeof frame);
  std::memset(stack, 0, sizeof stack);
  auto put32 = [](unsigned char* at, std::uint32_t v) { std::memcpy(at, &v, 4); };
  auto* uc = reinterpret_cast<ucontext_t*>(frame + kInfo);
  const auto sp = reinterpret_cast<std::uintptr_t>(stack + sizeof stack - 256);
  uc->uc_mcontext.sp = sp;
  uc->uc_mcontext.regs[7] = 0x7777;
  put32(frame + kRecords, 0x46508001);  // fpsimd_context
  put32(frame + kRecords + 4, 528);
  put32(frame + kRecords + 528, 0x45585401);  // extra_context
  put32(frame + kRecords + 528 + 4, 32);
  const std::uint64_t datap = reinterpret_cast<std::uintptr_t>(frame + kExtraAt);
  std::memcpy(frame + kRecords + 528 + 8, &datap, 8);
  put32(frame + kRecords + 528 + 16, kExtraSize);
  for (std::size_t i = 0; i < kExtraSize - 16; ++i) frame[kExtraAt + i] = static_cast<unsigned char>(i * 7 + 1);
  static_assert(kExtraAt + kExtraSize > sizeof(siginfo_t) + sizeof(ucontext_t), "the block must run past rt_sigframe");

  sched::preempt_arch::SignalFrame f;
  ASSERT_TRUE(sched::preempt_arch::locate(frame, uc, f));
  EXPECT_EQ(f.sp, sp);
  EXPECT_GE(f.size, sizeof frame);
  const std::uintptr_t at = sched::preempt_arch::copy(uc, f);
  EXPECT_EQ(at % 16, 0u);
  EXPECT_LE(at + sizeof frame, sp - 128) << "the 128 bytes below sp are left alone";
  auto* copy = reinterpret_cast<unsigned char*>(at);
  std::uint64_t moved = 0;
  std::memcpy(&moved, copy + kRecords + 528 + 8, 8);
  EXPECT_EQ(moved, at + kExtraAt);
  EXPECT_EQ(std::memcmp(copy + kExtraAt, frame + kExtraAt, kExtraSize), 0);
  EXPECT_EQ(reinterpret_cast<ucontext_t*>(copy + kInfo)->uc_mcontext.regs[7], 0x7777u);
  for (std::size_t i = 0; i < 128; ++i) ASSERT_EQ(stack[sizeof stack - 256 - 128 + i], 0) << i;

  // Records that make no sense (sizes past the end, no terminator) are not
  // copied; nor is an (info, uc) pair that is not one rt_sigframe.
  std::memset(frame + kRecords, 0x10, sizeof(uc->uc_mcontext.__reserved));
  EXPECT_FALSE(sched::preempt_arch::locate(frame, uc, f));
  EXPECT_FALSE(sched::preempt_arch::locate(frame + 16, uc, f));
}
#endif

}  // namespace
}  // namespace goro::test
