// 10,000 idle connections, each held by a goroutine on both ends, parked on
// the poller: a handful of threads, however many connections.
#include "tests/net/support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace std::chrono_literals;
namespace net = goro::net;

namespace goro::test {
namespace {

TEST(NetIdle, TenThousandIdleConnectionsFewThreads) {
#if defined(__SANITIZE_THREAD__)
  // Every live goroutine is a TSan fiber, and TSan dies past 8128 threads and
  // fibers: two goroutines per connection leaves room for 3,000.
  constexpr int kWanted = 3000;
#else
  constexpr int kWanted = 10000;
#endif
  rlim_t limit = raise_nofile();
  // Both ends live in this process: two fds per connection, plus slack.
  int conns = static_cast<int>(std::min<rlim_t>(kWanted, limit > 256 ? (limit - 256) / 2 : 0));
  if (conns < 1000) GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << limit << " is too low for this test";
  if (conns < kWanted)
    std::printf("RLIMIT_NOFILE hard limit is %llu: holding %d connections instead of %d\n",
                static_cast<unsigned long long>(limit), conns, kWanted);
  RecordProperty("connections", conns);

  int threads_while_idle = 0;
  std::int64_t goroutines_while_idle = 0;
  std::atomic<int> parked{0}, finished{0};
  goro::run([&] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    goro::Mutex mu;
    std::vector<net::Conn> held;  // every connection, both ends, to close at the end
    held.reserve(2 * conns);
    goro::WaitGroup wg;
    auto hold = [&](net::Conn c) {  // parks in read until the connection closes
      {
        std::lock_guard lk(mu);
        held.push_back(c);
      }
      parked++;
      std::byte b[1];
      try {
        while (c.read(b) != 0) {
        }
      } catch (const std::system_error&) {
      }
      finished++;
      wg.done();
    };
    wg.add(2 * conns);
    goro::go([&, l] {
      for (int i = 0; i < conns; ++i) {
        net::Conn c = l.accept();
        goro::go(hold, c);
      }
    });
    for (int i = 0; i < conns; ++i) goro::go([&] { hold(net::dial("tcp", l.addr())); });
    auto deadline = Clock::now() + 120s;
    while (parked.load() < 2 * conns && Clock::now() < deadline) goro::sleep(10ms);
    ASSERT_EQ(parked.load(), 2 * conns);
    goro::sleep(50ms);  // the last ones reach their read
    threads_while_idle = count_threads();
    goroutines_while_idle = goro::num_goroutine();
    std::vector<net::Conn> all;
    {
      std::lock_guard lk(mu);
      all.swap(held);
    }
    for (const net::Conn& c : all) c.close();
    wg.wait();
    l.close();
  }, {.procs = 2});
  std::printf("%d connections: %lld goroutines on %d threads\n", conns, static_cast<long long>(goroutines_while_idle),
              threads_while_idle);
  EXPECT_EQ(finished.load(), 2 * conns);
  EXPECT_GE(goroutines_while_idle, 2 * conns);
  // The test's own thread, 2 procs' Ms, and a few spare Ms (idle, spinning, polling).
  EXPECT_LE(threads_while_idle, 12);
}

}  // namespace
}  // namespace goro::test
