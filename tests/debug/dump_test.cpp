// Goroutine dumps (dump_goroutines, SIGQUIT) and GORODEBUG parsing.
#include "tests/debug/dump_string.hpp"
#include "tests/support/death.hpp"

#include "runtime/debug/godebug.hpp"

#include <goro/goro.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <unistd.h>

namespace goro::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// Parked goroutines' traces come from their saved switch frames, whose
// layout the dump knows for the asm backend only (-Dswitch=boost: none).
#if defined(GORO_SWITCH_ASM)
constexpr bool kParkedTraces = true;
#else
constexpr bool kParkedTraces = false;
#endif

// Named frames the dumps must show. noinline so each keeps its own frame.
__attribute__((noinline)) void dumptest_chan_receiver(goro::Chan<int> ch) { (void)ch.recv(); }
// The empty asm after each call keeps it from being a tail call (which would
// take the function's frame off the stack).
__attribute__((noinline)) void dumptest_selector(goro::Chan<int> a, goro::Chan<int> b) {
  goro::select(goro::recv(a), goro::recv(b));
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void dumptest_sleeper() {
  goro::sleep(1h);
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void dumptest_mutex_waiter(goro::Mutex& mu) {
  mu.lock();
  mu.unlock();
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void dumptest_waitgroup_waiter(goro::WaitGroup& wg) {
  wg.wait();
  __asm__ volatile("" ::: "memory");
}

// Spins until told to stop: a goroutine the dump finds running on another M.
// The loop body's empty asm keeps the loop (and the frame) in place.
__attribute__((noinline)) void dumptest_spinner(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) __asm__ volatile("" ::: "memory");
}

bool contains_all(const std::string& s, std::initializer_list<const char*> parts) {
  for (const char* p : parts)
    if (s.find(p) == std::string::npos) return false;
  return true;
}

// Dumps until every part shows (the goroutines need a moment to park);
// gives up after 10 seconds (a liveness bound) and returns the last dump.
std::string dump_when(std::initializer_list<const char*> parts) {
  std::string d;
  for (int i = 0; i < 1000; ++i) {
    d = dump_to_string();
    if (contains_all(d, parts)) break;
    goro::sleep(10ms);
  }
  return d;
}

class Dump : public ::testing::TestWithParam<int> {};

TEST_P(Dump, ShowsEveryWaitReasonAndFunction) {
  goro::run([] {
    auto ch = goro::make_chan<int>(), a = goro::make_chan<int>(), b = goro::make_chan<int>();
    goro::Mutex mu;
    goro::WaitGroup never;
    never.add(1);
    mu.lock();
    goro::WaitGroup finished;  // all but the sleeper; they use this frame's locals
    finished.add(4);
    goro::go([=, &finished] {
      dumptest_chan_receiver(ch);
      finished.done();
    });
    goro::go([=, &finished] {
      dumptest_selector(a, b);
      finished.done();
    });
    goro::go([] { dumptest_sleeper(); });
    goro::go([&] {
      dumptest_mutex_waiter(mu);
      finished.done();
    });
    goro::go([&] {
      dumptest_waitgroup_waiter(never);
      finished.done();
    });
    std::string d = dump_when({"[chan receive", "[select", "[sleep", "[sync.Mutex.Lock", "[sync.WaitGroup.Wait"});
    EXPECT_THAT(d, HasSubstr("[chan receive]:\n"));
    EXPECT_THAT(d, HasSubstr("[select]:\n"));
    EXPECT_THAT(d, HasSubstr("[sleep]:\n"));
    EXPECT_THAT(d, HasSubstr("[sync.Mutex.Lock]:\n"));
    EXPECT_THAT(d, HasSubstr("[sync.WaitGroup.Wait]:\n"));
    // Each parked goroutine's trace names the function it waits in (saved
    // switch frames are unwound with the asm backend's layout only).
    for (const char* fn : {"dumptest_chan_receiver", "dumptest_selector", "dumptest_sleeper",
                           "dumptest_mutex_waiter", "dumptest_waitgroup_waiter"})
      EXPECT_THAT(d, HasSubstr(std::string(kParkedTraces ? "goro::test::(anonymous namespace)::" : "") +
                               (kParkedTraces ? fn : "(no trace: parked goroutines are unwound with the asm"))) << d;
    // Its own goroutine is running, traced from the caller of dump_goroutines.
    std::string self = "goroutine " + std::to_string(goro::goroutine_id()) + " [running]:\n";
    EXPECT_THAT(d, HasSubstr(self + "goro::test::(anonymous namespace)::dump_to_string"));
#if defined(GORO_HAVE_LIBBACKTRACE)
    EXPECT_THAT(d, HasSubstr("dump_test.cpp:"));  // file:line from the debug info
#endif
    // Go's layout: "goroutine N [reason]:" headers, one per goroutine.
    std::regex header("goroutine [0-9]+ \\[[^\\]]+\\]:\n");
    auto n = std::distance(std::sregex_iterator(d.begin(), d.end(), header), std::sregex_iterator());
    EXPECT_EQ(n, 6) << d;
    mu.unlock();
    never.done();
    ch.close();
    a.close();
    finished.wait();
    // The sleeper is abandoned: run() returns without waiting for it.
  }, {.procs = GetParam()});
}

TEST_P(Dump, ManyGoroutinesAreSummarisedByStateAndStack) {
  goro::run([] {
    auto ch = goro::make_chan<int>();
    goro::WaitGroup started;
    // Past 100 the dump is a profile. Under qemu each dump unwinds every
    // goroutine an emulated instruction at a time (and without libunwind's
    // cache, which the SIGURG handler cannot share): 1,000 took minutes there.
    const int kWaiters = under_emulator() ? 200 : 1000;
    started.add(kWaiters);
    // The closures hold no reference to ch: the receivers end before run()
    // returns (finished), and nothing of theirs outlives it for LeakSanitizer.
    goro::WaitGroup finished;
    finished.add(kWaiters);
    for (int i = 0; i < kWaiters; ++i)
      goro::go([&ch, &started, &finished] {
        started.done();
        dumptest_chan_receiver(ch);
        finished.done();
      });
    started.wait();
    // Until all have parked (a liveness bound of 10 s): the profile's
    // "N goroutines [chan receive] with this stack" groups then hold all
    // 1000, in one group or a few (a compiler may emit the switch in the
    // park path twice: two return addresses, two stacks, as in Go's).
    std::regex group("\n([0-9]+) goroutines? \\[chan receive[^\\]]*\\] with this stack, e\\.g\\. goroutine ");
    std::string d;
    long grouped = 0;
    int groups = 0;
    for (int tries = 0; tries < 1000 && grouped != kWaiters; ++tries) {
      if (tries) goro::sleep(10ms);
      d = dump_to_string();
      grouped = 0;
      groups = 0;
      for (auto it = std::sregex_iterator(d.begin(), d.end(), group); it != std::sregex_iterator(); ++it, ++groups)
        grouped += std::stol((*it)[1].str());
    }
    EXPECT_EQ(grouped, kWaiters) << d;
    EXPECT_LE(groups, 4) << d;
    EXPECT_THAT(d, HasSubstr("goroutine profile: total " + std::to_string(kWaiters + 1) + "\n"));
    EXPECT_THAT(d, HasSubstr("\n" + std::to_string(kWaiters) + " chan receive\n1 running\n"));
    if (kParkedTraces) {
      EXPECT_THAT(d, HasSubstr("dumptest_chan_receiver"));
    }
    EXPECT_THAT(d, HasSubstr("1 goroutine [running] with this stack"));
    EXPECT_LT(d.size(), 20000u) << "a summary, not a thousand traces";
    ch.close();
    finished.wait();
  }, {.procs = GetParam()});
}

INSTANTIATE_TEST_SUITE_P(, Dump, ::testing::Values(1, 2, 8), [](const auto& info) {
  return "procs" + std::to_string(info.param);
});

// A goroutine running on another M is unwound by that M (a SIGURG trace
// request, runtime/sched/tracereq.hpp): its trace names the function it spins in.
class DumpRunning : public ::testing::TestWithParam<int> {};

TEST_P(DumpRunning, ShowsTheTraceOfAGoroutineRunningOnAnotherThread) {
  // Preemption off: the request works without it (ASan, Boost, AArch64
  // builds have none), and the spinner stays on its M.
  goro::run([] {
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> spinner_id{0};
    goro::WaitGroup done;  // stop lives in this frame: wait for the spinner before leaving it
    done.add(1);
    goro::go([&] {
      spinner_id.store(goro::goroutine_id());
      dumptest_spinner(stop);
      done.done();
    });
    // Usually a yield to the spinner, on this P: another M must take main
    // (this once hung, main queued behind the spinner with the other P idle).
    while (spinner_id.load() == 0) goro::yield();
    const std::string header = "goroutine " + std::to_string(spinner_id.load()) + " [running]:\n";
    const std::string frame = "goro::test::(anonymous namespace)::dumptest_spinner";
    // The spinner's block names its function: as the first frame, except
    // under TSan, which defers the signal to its next runtime call (the
    // spinner's atomic load) and runs the handler from there, under its
    // own frames.
    auto answered = [&](const std::string& d) {
      std::size_t at = d.find(header);
      if (at == std::string::npos) return false;
      std::string block = d.substr(at + header.size(), d.find("\n\n", at) - at - header.size());
#if defined(__SANITIZE_THREAD__)
      return block.find(frame) != std::string::npos;
#else
      return block.rfind(frame, 0) == 0;
#endif
    };
    // Until the spinner is on its M and that M answers (a liveness bound of
    // 10 s: each dump waits at most 100 ms for it).
    std::string d;
    for (int tries = 0; tries < 100 && !answered(d); ++tries) {
      if (tries) goro::sleep(10ms);
      d = dump_to_string();
    }
    EXPECT_TRUE(answered(d)) << d;
    EXPECT_THAT(d, Not(HasSubstr("(running on another thread)"))) << d;
    stop.store(true);
    done.wait();
  }, {.procs = GetParam(), .preempt = false});
}

INSTANTIATE_TEST_SUITE_P(, DumpRunning, ::testing::Values(2, 8), [](const auto& info) {
  return "procs" + std::to_string(info.param);
});

// Two goroutines dumping at once while others spin: each dumper's M is
// asked by the other dump while it waits for its own answers. Every request
// is answered or taken back (neither dump hangs), and the dumps name the
// spinners' function.
TEST(DumpConcurrent, TwoDumpsAtOnceWhileOthersSpin) {
  goro::run([] {
    std::atomic<bool> stop{false};
    std::atomic<int> spinning{0}, named{0};
    constexpr int kSpinners = 2, kDumpers = 2, kDumps = 20;
    goro::WaitGroup spinners, dumpers;
    spinners.add(kSpinners);
    dumpers.add(kDumpers);
    for (int i = 0; i < kSpinners; ++i)
      goro::go([&] {
        spinning.fetch_add(1);
        dumptest_spinner(stop);
        spinners.done();
      });
    while (spinning.load() != kSpinners) goro::yield();
    for (int i = 0; i < kDumpers; ++i)
      goro::go([&] {
        for (int k = 0; k < kDumps; ++k)
          if (dump_to_string().find("dumptest_spinner") != std::string::npos) named.fetch_add(1);
        dumpers.done();
      });
    dumpers.wait();  // each dump waits 100 ms at most: 4 s in all at worst
    stop.store(true);
    spinners.wait();
#if !defined(__SANITIZE_THREAD__)  // TSan defers the requests' signal: no answer is promised there
    EXPECT_GT(named.load(), kDumpers * kDumps / 2);
#endif
  }, {.procs = 6});
}

TEST(DumpAll, GorodebugDumpallPrintsEveryGoroutine) {
  use_death_test_style();
  GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
  if (GTEST_FLAG_GET(death_test_style) != "threadsafe") GTEST_SKIP() << "needs a re-executed child";
  setenv("GORODEBUG", "dumpall=1", 1);
  EXPECT_EXIT(goro::run([] {
    auto ch = goro::make_chan<int>();
    goro::WaitGroup started;
    started.add(300);
    for (int i = 0; i < 300; ++i)
      goro::go([=, &started] {
        started.done();
        dumptest_chan_receiver(ch);
      });
    started.wait();
    // Every one parked (a liveness bound of 10 s), then the count.
    // A goroutine parked for a second or more says so: "[chan receive, 2 seconds]".
    std::regex header("goroutine [0-9]+ \\[chan receive(, [0-9]+ (seconds|minutes))?\\]:\n");
    std::string d;
    long n = 0;
    for (int tries = 0; tries < 1000 && n != 300; ++tries) {
      if (tries) goro::sleep(10ms);
      d = dump_to_string();
      n = std::distance(std::sregex_iterator(d.begin(), d.end(), header), std::sregex_iterator());
    }
    std::fprintf(stderr, "headers=%ld profile=%d\n", n, d.find("goroutine profile") != std::string::npos);
    std::_Exit(0);
  }), ::testing::ExitedWithCode(0), "headers=300 profile=0");
  unsetenv("GORODEBUG");
}

TEST(Sigquit, PrintsTheDumpAndExits2) {
  use_death_test_style();
  GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
  // The dump runs inside the signal handler, allocating (a documented
  // trade-off: runtime/debug/sigquit.cpp); TSan would rightly say so, in
  // the re-executed child, which reads its options from the environment.
  const char* tsan_options = std::getenv("TSAN_OPTIONS");
  std::string saved_tsan_options = tsan_options ? tsan_options : "";
  setenv("TSAN_OPTIONS", (saved_tsan_options + " report_signal_unsafe=0").c_str(), 1);
  EXPECT_EXIT(goro::run([] {
    auto ch = goro::make_chan<int>();
    goro::go([=] { dumptest_chan_receiver(ch); });
    dump_when({"[chan receive"});
    kill(getpid(), SIGQUIT);
    for (;;) goro::sleep(1s);
  }), ::testing::ExitedWithCode(2),
              kParkedTraces ? "^SIGQUIT: quit\n\ngoroutine 1 \\[(running|sleep)\\]:(.|\n)*\\[chan receive\\]:\n(.|\n)*dumptest_chan_receiver"
                            : "^SIGQUIT: quit\n\ngoroutine 1 \\[(running|sleep)\\]:(.|\n)*\\[chan receive\\]:\n");
  if (tsan_options)
    setenv("TSAN_OPTIONS", saved_tsan_options.c_str(), 1);
  else
    unsetenv("TSAN_OPTIONS");
}

TEST(Godebug, Parses) {
  auto d = goro::debug::parse_godebug("schedtrace=250,dumpall=1,unknown=3");
  EXPECT_EQ(d.schedtrace_ms, 250);
  EXPECT_TRUE(d.dumpall);
  d = goro::debug::parse_godebug("dumpall=0,schedtrace");
  EXPECT_EQ(d.schedtrace_ms, 0);
  EXPECT_FALSE(d.dumpall);
  d = goro::debug::parse_godebug(nullptr);
  EXPECT_EQ(d.schedtrace_ms, 0);
  d = goro::debug::parse_godebug("");
  EXPECT_FALSE(d.dumpall);
  EXPECT_TRUE(d.lockbias);
  d = goro::debug::parse_godebug("schedtrace=5,lockbias=0");
  EXPECT_FALSE(d.lockbias);
  EXPECT_EQ(d.schedtrace_ms, 5);
}

}  // namespace
}  // namespace goro::test
