// GORODEBUG=schedtrace=MS: the lines come, and parse as Go's do.
#include "tests/support/death.hpp"

#include "runtime/debug/schedtrace.hpp"
#include "runtime/sched/sched.hpp"

#include <goro/goro.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>

namespace goro::test {
namespace {

using namespace std::chrono_literals;

// Go's layout, with one queue length per P.
bool parses(const std::string& line, int procs) {
  std::string per_p = "[0-9]+";
  for (int i = 1; i < procs; ++i) per_p += " [0-9]+";
  std::regex re("SCHED [0-9]+ms: gomaxprocs=" + std::to_string(procs) +
                " idleprocs=[0-9]+ threads=[0-9]+ spinningthreads=[0-9]+ idlethreads=[0-9]+ runqueue=[0-9]+ \\[" + per_p +
                "\\]");
  return std::regex_match(line, re);
}

TEST(Schedtrace, FormatParses) {
  for (int procs : {1, 2, 8}) {
    goro::run([procs] {
      char line[1024];
      goro::debug::format_schedtrace(goro::sched::current_sched(), 1004, line, sizeof line);
      EXPECT_TRUE(parses(line, procs)) << line;
      EXPECT_THAT(line, ::testing::StartsWith("SCHED 1004ms: gomaxprocs=" + std::to_string(procs) + " "));
    }, {.procs = procs});
  }
}

// Every line starting with SCHED parses, and there are at least `min` of them.
MATCHER_P2(HasSchedLines, procs, min, "") {
  std::istringstream in(arg);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.rfind("SCHED ", 0) != 0) continue;
    if (!parses(line, procs)) {
      *result_listener << "bad line: " << line;
      return false;
    }
    ++n;
  }
  *result_listener << n << " SCHED lines";
  return n >= min;
}

TEST(Schedtrace, GorodebugPrintsLinesEveryPeriod) {
  use_death_test_style();
  GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
  if (GTEST_FLAG_GET(death_test_style) != "threadsafe") GTEST_SKIP() << "needs a re-executed child";
  setenv("GORODEBUG", "schedtrace=20", 1);
  EXPECT_EXIT({
    goro::run([] {
      // Some work for the lines to show, for long enough for several lines.
      auto until = std::chrono::steady_clock::now() + 300ms;
      goro::WaitGroup wg;
      for (int i = 0; i < 4; ++i) {
        wg.add(1);
        goro::go([&] {
          while (std::chrono::steady_clock::now() < until) goro::sleep(1ms);
          wg.done();
        });
      }
      wg.wait();
    }, {.procs = 2});
    std::_Exit(0);
  }, ::testing::ExitedWithCode(0), HasSchedLines(2, 3));
  unsetenv("GORODEBUG");
}

}  // namespace
}  // namespace goro::test
