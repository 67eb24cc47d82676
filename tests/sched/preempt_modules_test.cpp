// GORODEBUG=preemptmodules: code in a shared object is a safe point for
// asynchronous preemption only when the variable names that object. meson
// runs this program twice, with the library named (SPINLIB_PREEMPTIBLE=1)
// and without (=0); GORODEBUG is read once per process.
#include "tests/support/load.hpp"

#include "runtime/debug/godebug.hpp"
#include "tests/sched/preempt_available.hpp"

#include <goro/goro.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

extern "C" unsigned long spinlib_spin_until(const std::atomic<bool>* stop);

namespace goro::test {
namespace {

using namespace std::chrono_literals;

bool expect_preemptible() {
  const char* v = std::getenv("SPINLIB_PREEMPTIBLE");
  return v && std::strcmp(v, "1") == 0;
}

// With one P, a goroutine spins inside the library until a ticking goroutine
// has run 20 times. If the library is no safe point, the ticker never gets
// the P and a plain thread ends the spin after 3 s instead.
TEST(PreemptModules, SpinInsideALibrary) {
  if (!preempt_available()) GTEST_SKIP() << "asynchronous preemption is off in this build";
  Watchdog watchdog("PreemptModules.SpinInsideALibrary", 60s);
  std::atomic<bool> stop{false};
  std::atomic<int> ticks{0};
  std::atomic<bool> stopped_by_ticker{false};
  std::thread fallback([&] {
    for (int i = 0; i < 30 && !stop.load(); ++i) std::this_thread::sleep_for(100ms);
    stop = true;
  });
  goro::run([&] {
    Latch done(2);
    goro::go([&] {
      spinlib_spin_until(&stop);
      done.count_down();
    });
    goro::go([&] {
      while (!stop.load()) {
        goro::sleep(1ms);
        if (++ticks == 20 && !stop.exchange(true)) stopped_by_ticker = true;
      }
      done.count_down();
    });
    done.wait();
  }, {.procs = 1});
  fallback.join();
  if (expect_preemptible())
    EXPECT_TRUE(stopped_by_ticker.load()) << "the spinner in the named library was never preempted";
  else
    EXPECT_FALSE(stopped_by_ticker.load()) << "preempted inside a library GORODEBUG did not name";
}

TEST(PreemptModules, GodebugParsesTheList) {
  auto d = debug::parse_godebug("dumpall=1,preemptmodules=libA.so:libB.so,schedtrace=5");
  EXPECT_STREQ(d.preempt_modules, "libA.so:libB.so");
  EXPECT_TRUE(d.dumpall);
  EXPECT_EQ(d.schedtrace_ms, 5);
  EXPECT_STREQ(debug::parse_godebug("preemptmodules=").preempt_modules, "");
  EXPECT_STREQ(debug::parse_godebug(std::string("preemptmodules=" + std::string(300, 'x')).c_str()).preempt_modules, "")
      << "a list too long for the buffer is ignored, not cut";
}

}  // namespace
}  // namespace goro::test
