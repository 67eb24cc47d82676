// The 'stress' suite for goro::net: the full echo load, 1,000 connections x
// 100 round trips (times GORO_STRESS_SCALE), with procs 1 and 2.
#include "tests/net/support.hpp"
#include "tests/support/stress.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace net = goro::net;

namespace goro::test {
namespace {

class NetStress : public ::testing::TestWithParam<int> {};

TEST_P(NetStress, Echo1000ConnectionsX100RoundTrips) {
  const int conns = 1000, rounds = 100 * stress_scale();
  std::atomic<long> trips{0};
  std::atomic<int> failures{0};
  goro::run([&] {
    net::Listener l = net::listen("tcp", "127.0.0.1:0");
    serve_echo(l);
    goro::WaitGroup wg;
    wg.add(conns);
    for (int i = 0; i < conns; ++i) {
      goro::go([&, i] {
        try {
          net::Conn c = net::dial("tcp", l.addr());
          std::string msg(64, static_cast<char>('a' + i % 26));
          for (int r = 0; r < rounds; ++r) {
            c.write(bytes(msg));
            if (read_full(c, msg.size()) != msg) failures++;
            trips++;
          }
          c.close();
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          failures++;
        }
        wg.done();
      });
    }
    wg.wait();
    l.close();
  }, {.procs = GetParam()});
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(trips.load(), static_cast<long>(conns) * rounds);
}

INSTANTIATE_TEST_SUITE_P(Net, NetStress, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& i) { return "procs" + std::to_string(i.param); });

}  // namespace
}  // namespace goro::test
