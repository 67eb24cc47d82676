// GORO_TRACE=file: the file is valid JSON (checked by a small validator
// below) holding the expected Chrome trace events.
#include "tests/support/death.hpp"

#include <goro/goro.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace goro::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A strict JSON (RFC 8259) recogniser: true iff `s` is one JSON value.
class Json {
 public:
  explicit Json(const std::string& s) : s_(s) {}
  bool valid() {
    ws();
    if (!value()) return false;
    ws();
    return i_ == s_.size();
  }

 private:
  bool value() {
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') return string();
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return number();
    return literal("true") || literal("false") || literal("null");
  }
  bool object() { return sequence('}', &Json::member); }
  bool array() { return sequence(']', &Json::value); }
  bool member() {
    if (!string()) return false;
    ws();
    if (!peek(':')) return false;
    ++i_;
    ws();
    return value();
  }
  // The opening bracket at i_, then items separated by ',' up to `close`.
  bool sequence(char close, bool (Json::*item)()) {
    ++i_;
    ws();
    if (peek(close)) return ++i_, true;
    for (;;) {
      ws();
      if (!(this->*item)()) return false;
      ws();
      if (peek(close)) return ++i_, true;
      if (!peek(',')) return false;
      ++i_;
    }
  }
  bool string() {
    if (!peek('"')) return false;
    for (++i_; i_ < s_.size(); ++i_) {
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        char e = s_[i_];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k)
            if (++i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
        } else if (std::string("\"\\/bfnrt").find(e) == std::string::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    std::size_t start = i_;
    if (peek('-')) ++i_;
    if (peek('0')) {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (peek('.')) {
      ++i_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++i_;
      if (peek('+') || peek('-')) ++i_;
      if (!digits()) return false;
    }
    return i_ > start;
  }
  bool digits() {
    std::size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ > start;
  }
  bool literal(const char* w) {
    std::string word(w);
    if (s_.compare(i_, word.size(), word) != 0) return false;
    i_ += word.size();
    return true;
  }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  const std::string& s_;
  std::size_t i_ = 0;
};

TEST(JsonChecker, AcceptsAndRejects) {
  EXPECT_TRUE(Json(R"([{"a":1.5,"b":[true,null,"x\"y"]}, -0.25e3])").valid());
  EXPECT_FALSE(Json(R"([{"a":1,}])").valid());
  EXPECT_FALSE(Json(R"([{"a":1})").valid());
  EXPECT_FALSE(Json(R"([1] 2)").valid());
  EXPECT_FALSE(Json("[\"a\nb\"]").valid());
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

__attribute__((noinline)) void tracetest_receiver(goro::Chan<int> ch) {
  while (ch.recv()) {
  }
}

TEST(Trace, GoroTraceWritesValidJsonWithTheExpectedEvents) {
  use_death_test_style();
  GORO_SKIP_THREADED_DEATH_TEST_UNDER_EMULATOR();
  if (GTEST_FLAG_GET(death_test_style) != "threadsafe") GTEST_SKIP() << "needs a re-executed child";
  // The death-test child re-runs this body from the start: it must find
  // the parent's file through the environment, not make its own.
  std::string trace_path;
  if (const char* inherited = std::getenv("GORO_TRACE")) {
    trace_path = inherited;
  } else {
    char tmpl[] = "/tmp/goro-trace-test-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    trace_path = tmpl;
    setenv("GORO_TRACE", tmpl, 1);
  }
  const char* path = trace_path.c_str();
  EXPECT_EXIT({
    std::uint64_t steals = 0;
    std::uint64_t preemptions = 0;
    goro::run([&] {
      // Parks on a channel, over and over.
      auto ch = goro::make_chan<int>();
      goro::go([=] { tracetest_receiver(ch); });
      for (int i = 0; i < 100; ++i) ch.send(i);
      ch.close();
      // A system call hands the P off.
      goro::blocking([] { usleep(20000); });
      // Sleeps, and enough runnable goroutines that the other M steals some.
      goro::WaitGroup wg;
      for (int i = 0; i < 64; ++i) {
        wg.add(1);
        goro::go([&] {
          auto until = std::chrono::steady_clock::now() + 1ms;
          while (std::chrono::steady_clock::now() < until) {
          }
          goro::sleep(1ms);
          wg.done();
        });
      }
      wg.wait();
      // A goroutine spinning past its time slice with no calls: sysmon
      // preempts it (where preemption exists: x86-64, no sanitizer).
      std::atomic<bool> stop{false};
      goro::WaitGroup spun;
      spun.add(1);
      goro::go([&] {
        while (!stop.load(std::memory_order_relaxed)) {
        }
        spun.done();
      });
      goro::sleep(60ms);
      stop = true;
      spun.wait();  // `stop` lives on this goroutine's stack
      steals = goro::stats().steals;
      preemptions = goro::stats().preemptions;
    }, {.procs = 2});
    std::fprintf(stderr, "steals=%llu\n", static_cast<unsigned long long>(steals));
    std::ofstream(std::string(path) + ".steals") << steals;
    std::ofstream(std::string(path) + ".preemptions") << preemptions;
    std::exit(0);  // runs the atexit hook that closes the trace
  }, ::testing::ExitedWithCode(0), "steals=");
  unsetenv("GORO_TRACE");
  std::string t = read_file(path);
  unlink(path);
  EXPECT_TRUE(Json(t).valid()) << t.substr(0, 2000);
  EXPECT_THAT(t, HasSubstr(R"("name":"process_name","ph":"M")"));
  EXPECT_THAT(t, HasSubstr(R"("name":"thread_name","ph":"M")"));
  EXPECT_THAT(t, HasSubstr(R"("cat":"goroutine","ph":"X")"));
  EXPECT_THAT(t, HasSubstr(R"("end":"chan receive")"));
  EXPECT_THAT(t, HasSubstr(R"("end":"sleep")"));
  EXPECT_THAT(t, HasSubstr(R"("end":"exit")"));
  EXPECT_THAT(t, HasSubstr(R"("name":"syscall handoff")"));
  EXPECT_THAT(t, HasSubstr(R"("name":"syscall return")"));
  // Stealing is likely here, not certain (the other M may not get a CPU in
  // time): every steal the counter saw is in the trace.
  std::string steals = read_file(std::string(path) + ".steals");
  unlink((std::string(path) + ".steals").c_str());
  ASSERT_FALSE(steals.empty());
  if (steals != "0") {
    EXPECT_THAT(t, HasSubstr(R"("name":"steal")"));
  }
  // Likewise every preemption ends a slice as "preempted".
  std::string preemptions = read_file(std::string(path) + ".preemptions");
  unlink((std::string(path) + ".preemptions").c_str());
  ASSERT_FALSE(preemptions.empty());
  if (preemptions != "0") {
    EXPECT_THAT(t, HasSubstr(R"("end":"preempted")"));
  }
}

}  // namespace
}  // namespace goro::test
